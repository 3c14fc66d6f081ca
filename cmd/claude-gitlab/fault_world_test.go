package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/waitfor"
)

// Helpers of the fault suite (fault_*_test.go): it drives the real binary against the fake GitLab
// and asserts what GitLab ends up showing.

// restart kills the service with SIGKILL (no drain, no cleanup: a crash) and starts it again on
// the same address and DATA_DIR, so the project's webhook still reaches it. It returns when the
// new process answers /health.
func (w *world) restart() time.Time {
	w.t.Helper()
	addr := strings.TrimPrefix(w.svc.url, "http://")
	w.svc.kill()
	started := time.Now()
	w.svc = startService(w.t, append(append([]string(nil), w.env...), "LISTEN_ADDR="+addr)...)
	return started
}

// dataDir is the service's DATA_DIR.
func (w *world) dataDir() string {
	for _, kv := range w.env {
		if v, ok := strings.CutPrefix(kv, "DATA_DIR="); ok {
			return v
		}
	}
	w.t.Fatal("no DATA_DIR")
	return ""
}

// issueNote opens an issue and delivers alice's note on it; it returns the issue's iid.
func (w *world) issueNote(title, text string) int64 {
	w.t.Helper()
	issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, title, "", false)
	ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID, text)
	w.deliver(ev, body, http.StatusAccepted)
	return issue.IID
}

// waitFor polls cond until it holds or the timeout passes.
func (w *world) waitFor(what string, timeout time.Duration, cond func() bool) {
	w.t.Helper()
	if waitfor.Within(timeout, cond) {
		return
	}
	w.t.Fatalf("timed out after %s waiting for %s\nlogs:\n%s", timeout, what, tail(w.svc.logs.String(), 6000))
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// agentStarted says whether the agent of job id has started (its private HOME exists).
func (w *world) agentStarted(id int64) bool {
	m, _ := filepath.Glob(filepath.Join(w.dataDir(), "agent-homes", fmt.Sprintf("job-%d-*", id)))
	return len(m) > 0
}

// exactlyOneAnswer checks the end state of a thread: one bot note, the final answer (not a
// progress note, not a failure), and returns it.
func (w *world) exactlyOneAnswer(iid int64) fakegitlab.Note {
	w.t.Helper()
	w.waitAnswers(fakegitlab.ThreadIssue, ref(iid), 1)
	if w.svc.cmd.ProcessState == nil { // a service that has exited posts nothing more
		w.waitDrained() // a duplicate would come from a job still queued or running
	}
	notes := w.botNotes(fakegitlab.ThreadIssue, ref(iid))
	if len(notes) != 1 || !strings.Contains(notes[0].Body, "turns ·") {
		w.t.Fatalf("issue %d: want exactly one answer, got %d bot notes: %+v\nlogs:\n%s", iid, len(notes), notes, tail(w.svc.logs.String(), 6000))
	}
	return notes[0]
}

// branchesFor lists the branches created for issue iid.
func (w *world) branchesFor(iid int64) []string {
	var out []string
	for _, b := range w.g.Branches(w.proj.ID) {
		if strings.HasPrefix(b.Name, fmt.Sprintf("claude/issue-%d-", iid)) {
			out = append(out, b.Name)
		}
	}
	return out
}

// mrsFrom lists the merge requests whose source branch was created for issue iid.
func (w *world) mrsFrom(iid int64) []fakegitlab.MergeRequest {
	var out []fakegitlab.MergeRequest
	for _, m := range w.g.MergeRequests(w.proj.ID) {
		if strings.HasPrefix(m.SourceBranch, fmt.Sprintf("claude/issue-%d-", iid)) {
			out = append(out, m)
		}
	}
	return out
}

// oneChange checks that issue iid got exactly one branch and one merge request from it.
func (w *world) oneChange(iid int64) {
	w.t.Helper()
	if b, m := w.branchesFor(iid), w.mrsFrom(iid); len(b) != 1 || len(m) != 1 || m[0].SourceBranch != b[0] {
		w.t.Fatalf("issue %d: branches %v, MRs %+v; want one of each", iid, b, m)
	}
}

// jobOf is the id of the job the bot's note on issue iid belongs to, from its hidden marker.
func (w *world) jobOf(iid int64) int64 {
	for _, n := range w.botNotes(fakegitlab.ThreadIssue, ref(iid)) {
		if id, ok := marker.JobOf(n.Body); ok {
			return id
		}
	}
	return 0
}

// worktreeFiles lists the files in the service's worktrees that are not in the repository.
func (w *world) strayFiles(names ...string) []string {
	var found []string
	filepath.WalkDir(filepath.Join(w.dataDir(), "repos"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			for _, n := range names {
				if d.Name() == n {
					found = append(found, path)
				}
			}
		}
		return nil
	})
	return found
}

// contains says whether s holds every one of wants.
func contains(s string, wants ...string) bool {
	for _, w := range wants {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}
