// Package pipelinefix reads what a fix of a failed pipeline (PIPELINE_FIX) goes by: the ends of
// the failed jobs' logs, which Claude fixes from, and the bot's earlier fix notes on the merge
// request, which tell which fix this is and when to stop and ask a human instead; and it decides
// which failed pipelines are not fixed at all (LeftAlone).
package pipelinefix

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/prompt"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// DefaultAttempts is PIPELINE_FIX_ATTEMPTS when unset.
const DefaultAttempts = 2

// Bounds of what a fix reads of the failed jobs: the end of a log says what failed.
const (
	maxFailedJobs = 5
	maxTraceBytes = 8 << 10
)

// Limit is how many fixes of one merge request are made: PIPELINE_FIX_ATTEMPTS, or
// DefaultAttempts when it is not set (0 or less).
func Limit(setting int) int {
	if setting > 0 {
		return setting
	}
	return DefaultAttempts
}

// Skip is why a failed pipeline is left alone: Log for the operator's log line, Outcome for the
// job's.
type Skip struct{ Log, Outcome string }

// LeftAlone decides whether the failed pipeline pl is fixed on mr, its branch's open merge
// request (nil: none), where everything about the fix is said. A branch without one, or one that
// moved on since the pipeline ran (a newer pipeline will tell), is left alone: true, and why.
func LeftAlone(pl trigger.PipelineRef, mr *gitlab.MR) (Skip, bool) {
	switch {
	case mr == nil:
		return Skip{"failed pipeline on a branch without an open merge request", "no open merge request from " + pl.Branch}, true
	case pl.SHA != "" && mr.SHA != "" && mr.SHA != pl.SHA:
		return Skip{"the branch moved on since the failed pipeline", "the branch moved on since pipeline " + strconv.FormatInt(pl.ID, 10)}, true
	}
	return Skip{}, false
}

// CountFixes counts the bot's fix notes among notes; the note of job ownJob is not an earlier
// fix. Someone quoting a fix note copies the marker but is not the bot.
func CountFixes(notes []gitlab.Note, botID, ownJob int64) int {
	n := 0
	for _, note := range notes {
		if note.AuthorID == botID && strings.Contains(note.Body, marker.PipelineFix) &&
			!strings.Contains(note.Body, marker.Job(ownJob)) {
			n++
		}
	}
	return n
}

// Attempt is which fix of the merge request job ownJob makes (1, 2, …), after the bot's fix
// notes among notes; 0 once limit fixes were made.
func Attempt(notes []gitlab.Note, botID, ownJob int64, limit int) int {
	if attempt := CountFixes(notes, botID, ownJob) + 1; attempt <= limit {
		return attempt
	}
	return 0
}

// Notes are what a fix reads of the merge request's notes (gitlab.Client).
type Notes interface {
	ListNotes(ctx context.Context, t gitlab.ThreadRef, opts gitlab.ListNotesOptions) ([]gitlab.Note, error)
}

// ReadAttempt reads the merge request's notes and says which fix of it job ownJob makes (Attempt).
func ReadAttempt(ctx context.Context, notes Notes, mr gitlab.ThreadRef, botID, ownJob int64, limit int) (int, error) {
	list, err := notes.ListNotes(ctx, mr, gitlab.ListNotesOptions{ExcludeSystem: true})
	if err != nil {
		return 0, fmt.Errorf("read the merge request's notes: %w", err)
	}
	return Attempt(list, botID, ownJob, limit), nil
}

// Logs are what a fix reads of a pipeline's failed jobs (gitlab.Client).
type Logs interface {
	FailedJobsInTree(ctx context.Context, projectID, pipelineID int64, max int) ([]gitlab.CIJob, error)
	JobTraceTail(ctx context.Context, projectID, jobID int64, maxBytes int) (string, bool, error)
}

// FailedLogs reads the end of each failed job's log, cleaned of terminal codes and redacted, for
// at most 5 jobs of the pipeline, child pipelines' included (their failures show in the parent
// only as failed bridges).
func FailedLogs(ctx context.Context, logs Logs, projectID, pipelineID int64, redact func(string) string) ([]prompt.FailedJob, error) {
	jobs, err := logs.FailedJobsInTree(ctx, projectID, pipelineID, maxFailedJobs)
	if err != nil {
		return nil, err
	}
	out := make([]prompt.FailedJob, 0, len(jobs))
	for _, cj := range jobs {
		trace, cut, err := logs.JobTraceTail(ctx, cj.ProjectID, cj.ID, maxTraceBytes)
		if err != nil {
			return nil, err
		}
		out = append(out, prompt.FailedJob{Name: cj.Name, Stage: cj.Stage, URL: cj.WebURL, Log: redact(prompt.CleanLog(trace)), Cut: cut})
	}
	return out, nil
}
