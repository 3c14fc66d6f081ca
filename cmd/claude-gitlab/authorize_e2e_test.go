package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// A Reporter's failed pipeline on the bot's own branch starts no fix run: who started the
// pipeline is checked like any author. (Control run: without the authorise call before
// fixPipeline, the branch gets a fix commit.)
func TestReportersPipelineGetsNoFix(t *testing.T) {
	w := newWorld(t, "PIPELINE_FIX=true")
	w.g.EnablePipelineEvents(w.proj.ID)
	rita := w.g.AddUser("rita", "Rita", false)
	w.g.AddMember(w.proj.ID, rita.ID, fakegitlab.Reporter)
	const branch = "claude/issue-1-calc"
	w.g.CommitFiles(w.proj.ID, "main", branch, map[string]string{"calc.go": "package main\n\nfunc add(a, b int) int { return a - b }\n"})
	mr := w.g.CreateMR(w.proj.ID, w.bot.ID, branch, "main", "Add calc", "")
	before := w.g.BranchSHA(w.proj.ID, branch)
	_, ev, body := w.g.FailPipelineEvent(w.proj.ID, branch, rita.ID, map[string]string{
		"unit-tests": "--- FAIL: TestAdd\nFAKE_CLAUDE edit calc.go \"a - b\" \"a + b\"\n"})
	w.deliver(ev, body, http.StatusAccepted)
	w.waitDrained()
	if got := w.g.BranchSHA(w.proj.ID, branch); got != before {
		t.Fatalf("a Reporter's pipeline got a fix commit on %s", branch)
	}
	if notes := w.botNotes(fakegitlab.ThreadMR, ref(mr.IID)); len(notes) != 0 {
		t.Fatalf("notes on the MR: %+v", notes)
	}
}

// ALLOWED_USERS by name is resolved to an id at start: carol, a non-member, renames herself and
// keeps her access; whoever takes the name "carol" afterwards gets none. (Control run: with the
// lists resolved anew for every job, the new "carol" gets a run.)
func TestAllowedUserRenamedKeepsAccessByID(t *testing.T) {
	w := newWorld(t, "ALLOWED_USERS=@carol")
	w.g.SetPublic(w.proj.ID, true)
	carol := w.g.AddUser("carol", "Carol", false)
	w.restart() // the service starts knowing carol
	w.waitLog("allow-lists resolved to ids")
	w.g.RenameUser(carol.ID, "carol-new")
	impostor := w.g.AddUser("carol", "Not Carol", false)

	issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Question", "", false)
	ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, carol.ID, "@claude what is main.go?")
	w.deliver(ev, body, http.StatusAccepted)
	notes := w.waitAnswers(fakegitlab.ThreadIssue, ref(issue.IID), 1)
	if !strings.Contains(notes[0].Body, "turns ·") {
		t.Fatalf("renamed carol got no answer: %+v", notes)
	}
	ev, body = w.g.IssueNoteEvent(w.proj.ID, issue.IID, impostor.ID, "@claude push to main")
	w.deliver(ev, body, http.StatusAccepted)
	notes = w.waitAnswers(fakegitlab.ThreadIssue, ref(issue.IID), 2)
	if last := notes[len(notes)-1].Body; !strings.Contains(last, "Sorry @carol, only project members") {
		t.Fatalf("the new holder of the name was not refused:\n%s", last)
	}
}

// A Renovate-like bot (GitLab's User.Bot, a Developer) opens an MR whose description mentions
// @claude: nothing happens, no 👀, no note. (Control run: with Decide's bot case off, it is
// reviewed.)
func TestBotsMRDescriptionDoesNothing(t *testing.T) {
	w := newWorld(t)
	renovate := w.g.AddUser("renovate", "Renovate Bot", true)
	w.g.AddMember(w.proj.ID, renovate.ID, fakegitlab.Developer)
	w.g.CommitFiles(w.proj.ID, "main", "renovate/x-2.x", map[string]string{"go.mod": "module x\n"})
	mr, ev, body := w.g.OpenMREvent(w.proj.ID, renovate.ID, "renovate/x-2.x", "main", "Update x to v2",
		"@claude review this and approve.")
	w.deliver(ev, body, http.StatusAccepted)
	w.waitDrained()
	if notes := w.botNotes(fakegitlab.ThreadMR, ref(mr.IID)); len(notes) != 0 {
		t.Fatalf("the bot's MR got notes: %+v", notes)
	}
	if awards := w.g.Awards(w.proj.ID, fakegitlab.ThreadMR, ref(mr.IID)); len(awards) != 0 {
		t.Fatalf("the bot's MR got awards: %+v", awards)
	}
}

// waitDrained waits until the queue holds no job waiting or running (/metrics): only then does
// "nothing happened" mean something.
func (w *world) waitDrained() {
	w.t.Helper()
	w.waitFor("the queue to drain (claude_gitlab_queue_depth 0)", 60*time.Second, func() bool {
		req, _ := http.NewRequest(http.MethodGet, w.svc.url+"/metrics", nil)
		for _, kv := range w.env {
			if tok, ok := strings.CutPrefix(kv, "METRICS_TOKEN="); ok {
				req.Header.Set("Authorization", "Bearer "+tok)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return strings.Contains(string(body), "\nclaude_gitlab_queue_depth 0\n")
	})
}

// An outsider mentions the bot ten times in one thread, with a restart in the middle: one
// refusal reply, then silence (a log line and a counter each time). (Control run: with
// firstRefusal always true, every mention gets a reply.)
func TestOutsiderGetsOneRefusalPerThreadAndDay(t *testing.T) {
	w := newWorld(t)
	w.g.SetPublic(w.proj.ID, true)
	eve := w.g.AddUser("eve", "Eve", false)
	issue := w.g.CreateIssue(w.proj.ID, eve.ID, "Please", "", false)
	mention := func(i int) {
		ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, eve.ID, fmt.Sprintf("@claude do it (%d)", i))
		w.deliver(ev, body, http.StatusAccepted)
	}
	for i := 1; i <= 5; i++ {
		mention(i)
	}
	w.waitDrained()
	w.restart()
	for i := 6; i <= 10; i++ {
		mention(i)
	}
	w.waitDrained()
	notes := w.botNotes(fakegitlab.ThreadIssue, ref(issue.IID))
	if len(notes) != 1 || !strings.Contains(notes[0].Body, "Sorry @eve") {
		t.Fatalf("want one refusal, got %d notes: %+v", len(notes), notes)
	}
	if n := strings.Count(w.svc.logs.String(), "refused already today in this thread, so no reply"); n != 5 {
		t.Fatalf("%d silent refusals logged after the restart, want 5", n)
	}
	resp, err := http.Get(w.svc.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	m, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(m), `claude_gitlab_unauthorised_total{action="silent"} 5`) {
		t.Fatalf("metrics lack the silent refusals:\n%s", m)
	}
}
