package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent/agenttest"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakeanthropic"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// The repository's CLAUDE.md reaches the model, as with Claude Code on a laptop.
func TestRealCLIReadsClaudeMD(t *testing.T) {
	if testing.Short() {
		t.Skip("installs the real CLI with npm")
	}
	cli := agenttest.InstallRealCLI(t)
	api := fakeanthropic.Start(fakeanthropic.Answer("Done."))
	defer api.Close()
	w := newWorld(t, "CLAUDE_PATH="+cli, "ANTHROPIC_BASE_URL="+api.URL, "CLAUDE_CODE_MAX_RETRIES=0")
	w.g.CommitFiles(w.proj.ID, "main", "main", map[string]string{"CLAUDE.md": "# Project rules\n\nEvery answer ends with PINEAPPLE-7731.\n"})
	issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Rules", "", false)
	ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID, "@claude what are the rules?")
	w.deliver(ev, body, http.StatusAccepted)
	w.waitAnswers(fakegitlab.ThreadIssue, ref(issue.IID), 1)
	var all strings.Builder
	for _, r := range api.Requests() {
		if r.Body == nil {
			continue
		}
		raw, _ := json.Marshal(r.Body)
		fmt.Fprintf(&all, "%s\n", raw)
	}
	if !strings.Contains(all.String(), "PINEAPPLE-7731") {
		t.Fatalf("CLAUDE.md did not reach the model; requests:\n%.3000s", all.String())
	}
}
