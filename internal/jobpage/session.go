package jobpage

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
)

// Sessions are the Claude sessions jobs left (store.DB).
type Sessions interface {
	JobSession(ctx context.Context, jobID int64) (store.Session, bool, error)
}

// sessionView offers the job's session to take home: the command that fetches it into the
// CLI's folder for the current directory and resumes it there.
type sessionView struct {
	ID      string
	Branch  string
	Command string
}

var (
	safeSessionID = regexp.MustCompile(`^[0-9a-fA-F-]{8,64}$`)
	pushedStep    = regexp.MustCompile(`^Pushed [0-9a-f]+ to (\S+)$`)
)

// session serves the packed session file of a job to whoever may see the job (its link's token
// or the operator): GET /jobs/{id}/session?t=…
func (h *handler) session(w http.ResponseWriter, r *http.Request) {
	_, id, ok := h.allowed(w, r)
	if !ok {
		return
	}
	s, found, err := h.sessionOf(r.Context(), id)
	if err != nil || !found {
		h.message(w, r, http.StatusNotFound, "No session", "This job left no Claude session (or it is older than JOB_RETENTION).")
		return
	}
	w.Header().Set("Content-Type", "application/gzip")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", s.SessionID+".jsonl.gz"))
	w.Header().Set("X-Claude-Session-Id", s.SessionID)
	w.Write(s.Data)
}

func (h *handler) sessionOf(ctx context.Context, id int64) (store.Session, bool, error) {
	if h.Sessions == nil {
		return store.Session{}, false, nil
	}
	s, ok, err := h.Sessions.JobSession(ctx, id)
	if err != nil {
		h.Log.Warn("job page: session", "job", id, "error", err)
	}
	return s, ok && err == nil && safeSessionID.MatchString(s.SessionID), err
}

// takeHome is the offer on the page, for a job that left a session and is not confidential (its
// link's token, which the command carries, opens only what the page shows anyway).
func (h *handler) takeHome(ctx context.Context, f found, id int64, v jobView) *sessionView {
	if f.confidential() || h.PublicURL == "" {
		return nil
	}
	s, ok, _ := h.sessionOf(ctx, id)
	if !ok {
		return nil
	}
	sv := &sessionView{ID: s.SessionID}
	for _, st := range v.Steps {
		if m := pushedStep.FindStringSubmatch(st.Text); m != nil {
			sv.Branch = m[1]
		}
	}
	src := strings.TrimRight(h.PublicURL, "/") + "/jobs/" + strconv.FormatInt(id, 10) + "/session?t=" + h.Signer.JobToken(id)
	sv.Command = TakeHomeCommand(src, s.SessionID, sv.Branch)
	return sv
}

// TakeHomeCommand is one line for a shell in the user's checkout: switch to the job's branch
// (when it pushed one), fetch the session into the CLI's folder for this directory (as the CLI
// names it: the path with every character but letters and digits made '-') and resume it.
func TakeHomeCommand(src, sessionID, branch string) string {
	var b strings.Builder
	if branch != "" {
		fmt.Fprintf(&b, "git fetch -q origin %s && git checkout -q %s && ", shellQuote(branch), shellQuote(branch))
	}
	fmt.Fprintf(&b, `d="${CLAUDE_CONFIG_DIR:-$HOME/.claude}/projects/$(pwd | sed 's/[^A-Za-z0-9]/-/g')" && mkdir -p "$d" && curl -fsS %s | gunzip > "$d/%s.jsonl" && claude --resume %s`,
		shellQuote(src), sessionID, sessionID)
	return b.String()
}

// shellQuote makes s one word for sh: single quotes, with a quote inside closed, escaped, reopened.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
