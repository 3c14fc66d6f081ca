package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/waitfor"
)

// PIPELINE_FIX through the binary with GitLab's pipeline payload: a failed pipeline on the bot's
// branch with an open MR gets a fix commit on that branch and a note on the MR; a resend is a
// duplicate; after PIPELINE_FIX_ATTEMPTS fixes one note asks for help, and later failures run
// nothing; a failed pipeline on someone else's branch is ignored.
func TestPipelineFixThroughTheBinary(t *testing.T) {
	w := newWorld(t, "PIPELINE_FIX=true", "PIPELINE_FIX_ATTEMPTS=2")
	w.g.EnablePipelineEvents(w.proj.ID)
	const branch = "claude/issue-1-calc"
	w.g.CommitFiles(w.proj.ID, "main", branch, map[string]string{"calc.go": "package main\n\nfunc add(a, b int) int { return a - b }\n"})
	mr := w.g.CreateMR(w.proj.ID, w.bot.ID, branch, "main", "Add calc", "Closes #1.")
	fail := func(log string, want int) {
		t.Helper()
		_, ev, body := w.g.FailPipelineEvent(w.proj.ID, branch, w.bot.ID, map[string]string{"unit-tests": log})
		w.deliver(ev, body, want)
	}

	failed := w.g.BranchSHA(w.proj.ID, branch)
	_, ev, body := w.g.FailPipelineEvent(w.proj.ID, branch, w.bot.ID, map[string]string{
		"unit-tests": "\x1b[31m--- FAIL: TestAdd\x1b[0m add(1, 2) = -1, want 3\nFAKE_CLAUDE edit calc.go \"a - b\" \"a + b\"\n",
	})
	w.deliver(ev, body, http.StatusAccepted)
	notes := w.waitAnswers(fakegitlab.ThreadMR, ref(mr.IID), 1)
	fixed := w.g.BranchSHA(w.proj.ID, branch)
	if calc, _ := w.g.FileAt(w.proj.ID, fixed, "calc.go"); fixed == failed || !strings.Contains(calc, "return a + b") {
		t.Fatalf("no fix on %s: %s → %s\n%s", branch, failed, fixed, w.svc.logs)
	}
	if len(notes) != 1 || !strings.Contains(notes[0].Body, "fix 1 of at most 2") || !strings.Contains(notes[0].Body, "/-/commit/"+fixed) {
		t.Fatalf("note on the MR: %+v", notes)
	}
	w.deliver(ev, body, http.StatusOK) // the same pipeline again: a duplicate

	fail("--- FAIL: TestSub\nFAKE_CLAUDE write sub.go package main\n", http.StatusAccepted)
	notes = w.waitAnswers(fakegitlab.ThreadMR, ref(mr.IID), 2)
	if !strings.Contains(notes[len(notes)-1].Body, "fix 2 of at most 2") {
		t.Fatalf("second fix note: %s", notes[len(notes)-1].Body)
	}

	head := w.g.BranchSHA(w.proj.ID, branch)
	fail("--- FAIL: TestMul\nFAKE_CLAUDE write mul.go package main\n", http.StatusAccepted)
	help := w.waitNote(mr.IID, "The pipeline still fails")
	fail("--- FAIL: TestDiv\nFAKE_CLAUDE write div.go package main\n", http.StatusAccepted)
	w.waitLog("help asked already")
	if n := len(w.botNotes(fakegitlab.ThreadMR, ref(mr.IID))); n != 3 || w.g.BranchSHA(w.proj.ID, branch) != head {
		t.Fatalf("after the limit: %d bot notes (want 2 fixes and the help note %q), branch moved: %v",
			n, help.Body, w.g.BranchSHA(w.proj.ID, branch) != head)
	}

	w.g.CommitFiles(w.proj.ID, "main", "feature/mine", map[string]string{"mine.go": "package main\n"})
	w.g.CreateMR(w.proj.ID, w.alice.ID, "feature/mine", "main", "Mine", "")
	_, ev, body = w.g.FailPipelineEvent(w.proj.ID, "feature/mine", w.alice.ID, map[string]string{"unit-tests": "FAKE_CLAUDE write x.go package main\n"})
	w.deliver(ev, body, http.StatusOK)
}

// waitNote waits for a bot note on the MR containing text.
func (w *world) waitNote(iid int64, text string) fakegitlab.Note {
	w.t.Helper()
	var found *fakegitlab.Note
	if waitfor.Within(45*time.Second, func() bool {
		for _, n := range w.botNotes(fakegitlab.ThreadMR, ref(iid)) {
			if strings.Contains(n.Body, text) {
				found = &n
				return true
			}
		}
		return false
	}) {
		return *found
	}
	w.t.Fatalf("no note with %q on !%d: %+v\n%s", text, iid, w.botNotes(fakegitlab.ThreadMR, ref(iid)), w.svc.logs)
	return fakegitlab.Note{}
}

// waitLog waits for the service to log text.
func (w *world) waitLog(text string) {
	w.t.Helper()
	if waitfor.Within(45*time.Second, func() bool { return strings.Contains(w.svc.logs.String(), text) }) {
		return
	}
	w.t.Fatalf("the service never logged %q:\n%s", text, w.svc.logs)
}
