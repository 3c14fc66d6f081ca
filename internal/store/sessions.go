package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

// Session is the Claude session a job's run left in its thread.
type Session struct {
	JobID     int64
	ThreadKey string
	SessionID string
	Data      []byte // the CLI's session file, gzip
	// LastNoteID is the newest comment of the thread the run saw: a resumed run is given only
	// the comments after it.
	LastNoteID int64
	// PrivateTo is the user the session may be resumed for, when its run read what others of
	// the thread may not (another project, through the GitLab tools); 0: anyone in the thread.
	PrivateTo int64
	CreatedAt time.Time
}

// SaveSession records (or replaces) the session of a job.
func (db *DB) SaveSession(ctx context.Context, s Session) error {
	_, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO claude_job_sessions (job_id, thread_key, session_id, data, last_note_id, private_to, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (job_id) DO UPDATE SET thread_key = excluded.thread_key, session_id = excluded.session_id,
		data = excluded.data, last_note_id = excluded.last_note_id, private_to = excluded.private_to, created_at = excluded.created_at`),
		s.JobID, s.ThreadKey, s.SessionID, base64.StdEncoding.EncodeToString(s.Data), s.LastNoteID, s.PrivateTo, s.CreatedAt.UnixMilli())
	if err != nil {
		return fmt.Errorf("record the Claude session of job %d: %w", s.JobID, err)
	}
	return nil
}

// LatestSession is the session of the thread's newest job before beforeJob that left one.
func (db *DB) LatestSession(ctx context.Context, threadKey string, beforeJob int64) (Session, bool, error) {
	s := Session{ThreadKey: threadKey}
	var data string
	var at int64
	err := db.QueryRowContext(ctx, db.Rebind(`SELECT job_id, session_id, data, last_note_id, private_to, created_at FROM claude_job_sessions
		WHERE thread_key = ? AND job_id < ? ORDER BY job_id DESC LIMIT 1`), threadKey, beforeJob).
		Scan(&s.JobID, &s.SessionID, &data, &s.LastNoteID, &s.PrivateTo, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return s, false, nil
	}
	if err != nil {
		return s, false, fmt.Errorf("read the Claude session of thread %s: %w", threadKey, err)
	}
	s.CreatedAt = time.UnixMilli(at)
	if s.Data, err = base64.StdEncoding.DecodeString(data); err != nil {
		return s, true, fmt.Errorf("the Claude session of job %d is corrupt: %w", s.JobID, err)
	}
	return s, true, nil
}

// JobSession is the session job jobID left, if any.
func (db *DB) JobSession(ctx context.Context, jobID int64) (Session, bool, error) {
	s := Session{JobID: jobID}
	var data string
	var at int64
	err := db.QueryRowContext(ctx, db.Rebind(`SELECT thread_key, session_id, data, last_note_id, private_to, created_at FROM claude_job_sessions
		WHERE job_id = ?`), jobID).Scan(&s.ThreadKey, &s.SessionID, &data, &s.LastNoteID, &s.PrivateTo, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return s, false, nil
	}
	if err != nil {
		return s, false, fmt.Errorf("read the Claude session of job %d: %w", jobID, err)
	}
	s.CreatedAt = time.UnixMilli(at)
	if s.Data, err = base64.StdEncoding.DecodeString(data); err != nil {
		return s, true, fmt.Errorf("the Claude session of job %d is corrupt: %w", jobID, err)
	}
	return s, true, nil
}
