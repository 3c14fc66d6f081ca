package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent/agenttest"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakeanthropic"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// The whole product with the real Claude Code CLI (the pinned npm package), pointed at a fake
// Messages API on 127.0.0.1 that asks for a Write and then answers: the real stream is parsed, the
// file lands in a commit on a new branch, and the final text is the reply.
func TestRealClaudeCLIEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("installs the real CLI with npm")
	}
	cli := agenttest.InstallRealCLI(t)
	api := fakeanthropic.Start(fakeanthropic.WriteThenAnswer("NOTES.md", "# Notes\n\nWritten by the real CLI.\n", "I added NOTES.md."))
	defer api.Close()
	w := newWorld(t, "CLAUDE_PATH="+cli, "ANTHROPIC_BASE_URL="+api.URL, "CLAUDE_CODE_MAX_RETRIES=0")
	issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Notes", "", false)
	ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID, "@claude please add a NOTES.md")
	w.deliver(ev, body, http.StatusAccepted)
	notes := w.waitAnswers(fakegitlab.ThreadIssue, ref(issue.IID), 1)
	if !strings.Contains(notes[0].Body, "I added NOTES.md.") || !strings.Contains(notes[0].Body, "turns ·") {
		t.Fatalf("answer:\n%s\nlogs:\n%s", notes[0].Body, w.svc.logs)
	}
	mrs := w.g.MergeRequests(w.proj.ID)
	if len(mrs) != 1 {
		t.Fatalf("MRs: %+v", mrs)
	}
	if file, err := w.g.FileAt(w.proj.ID, mrs[0].SHA, "NOTES.md"); err != nil || !strings.Contains(file, "Written by the real CLI.") {
		t.Fatalf("NOTES.md: %q %v", file, err)
	}
	if len(api.Requests()) == 0 {
		t.Fatal("the real CLI never called the fake Messages API")
	}
	for _, r := range api.Requests() {
		seen := fmt.Sprintf("%v %+v", r.Header, r.Body)
		if strings.Contains(seen, w.botToken) || strings.Contains(seen, testSecret) {
			t.Fatal("a GitLab secret reached the Anthropic API")
		}
	}
}
