package agent

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Session is a Claude session carried from one run to a later one in the same thread: the CLI's
// session file (gzip), which `--resume ID` continues.
type Session struct {
	ID   string
	Data []byte
}

// ErrSession: the session to resume is corrupt or unusable; the caller starts a fresh one.
var ErrSession = errors.New("the Claude session cannot be resumed")

var sessionID = regexp.MustCompile(`^[0-9a-fA-F-]{8,64}$`)

// projectDir is where the CLI keeps the sessions of a working directory: its path with every
// character but letters and digits made '-'.
func projectDir(home, dir string) string {
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, dir)
	return filepath.Join(home, ".claude", "projects", name)
}

// restoreSession puts the session's file where the CLI looks for it from dir, after checking it
// is what we stored: gzip of JSON lines of that session, within maxBytes once unpacked.
func restoreSession(s *Session, home, dir string, maxBytes int64) error {
	if !sessionID.MatchString(s.ID) {
		return fmt.Errorf("%w: id %q is not a session id", ErrSession, s.ID)
	}
	zr, err := gzip.NewReader(bytes.NewReader(s.Data))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSession, err)
	}
	data, err := io.ReadAll(io.LimitReader(zr, maxBytes+1))
	if err != nil || int64(len(data)) > maxBytes {
		return fmt.Errorf("%w: unreadable or larger than %d bytes", ErrSession, maxBytes)
	}
	ours := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), int(maxBytes))
	for sc.Scan() {
		var line struct {
			SessionID string `json:"sessionId"`
		}
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return fmt.Errorf("%w: a line is not JSON", ErrSession)
		}
		ours = ours || line.SessionID == s.ID
	}
	if sc.Err() != nil || !ours {
		return fmt.Errorf("%w: the file is not session %s", ErrSession, s.ID)
	}
	pd := projectDir(home, dir)
	if err := os.MkdirAll(pd, 0o700); err != nil {
		return fmt.Errorf("agent: restore the session: %w", err)
	}
	return os.WriteFile(filepath.Join(pd, s.ID+".jsonl"), data, 0o600)
}

// SaveSession packs the session a run left in home (gzip), to resume it later; an error when it
// is missing or its packed size passes maxBytes.
func SaveSession(home, id string, maxBytes int) ([]byte, error) {
	if !sessionID.MatchString(id) {
		return nil, fmt.Errorf("agent: %q is not a session id", id)
	}
	found, _ := filepath.Glob(filepath.Join(home, ".claude", "projects", "*", id+".jsonl"))
	if len(found) != 1 {
		return nil, fmt.Errorf("agent: the run left no session file for %s", id)
	}
	f, err := os.Open(found[0])
	if err != nil {
		return nil, fmt.Errorf("agent: read the session: %w", err)
	}
	defer f.Close()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := io.Copy(zw, f); err != nil {
		return nil, fmt.Errorf("agent: pack the session: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("agent: pack the session: %w", err)
	}
	if buf.Len() > maxBytes {
		return nil, fmt.Errorf("agent: the session is %d KB packed, over the %d KB kept", buf.Len()>>10, maxBytes>>10)
	}
	return buf.Bytes(), nil
}
