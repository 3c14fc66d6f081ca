package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// Poll mode through the binary: nothing is delivered to the service; GitLab makes To-Do items
// for the bot and the service reads them.

func pollWorld(t *testing.T, env ...string) *world {
	return newWorld(t, append([]string{"INTAKE=poll", "POLL_INTERVAL=1s"}, env...)...)
}

// pendingTodos counts the bot's pending To-Dos.
func (w *world) pendingTodos() int {
	n := 0
	for _, td := range w.g.Todos(w.bot.ID) {
		if td.State == "pending" {
			n++
		}
	}
	return n
}

// pollRounds is how many times the service has read the pending To-Dos so far.
func (w *world) pollRounds() int {
	return w.g.CountRequests(http.MethodGet, `^/api/v4/todos$`)
}

// waitRounds waits until the service has read the To-Do list n more times: whatever a round
// could see before the call has been handled by then. A round reads two lists (pending, then
// done) and handles what it read before the next round's first read, so a round that began
// after the call is finished only when the round after it has made its first request: the count
// may have been taken between a round's two reads, hence two requests more than 2n.
func (w *world) waitRounds(n int) {
	w.t.Helper()
	start := w.pollRounds()
	w.waitFor("poll rounds", 30*time.Second, func() bool { return w.pollRounds() >= start+2*n+2 })
}

func TestPollAnswersMentionsAssignmentsAndReviewRequests(t *testing.T) {
	w := pollWorld(t)
	// A note mentioning the bot's username.
	issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Question", "", false)
	asked := time.Now()
	n := w.g.AddNote(w.proj.ID, fakegitlab.ThreadIssue, ref(issue.IID), w.alice.ID, "@claude-bot what does main.go do?")
	if td := w.g.Todos(w.bot.ID); len(td) != 1 || td[0].Action != fakegitlab.TodoDirectlyAddressed {
		t.Fatalf("To-Dos after the mention: %+v", td)
	}
	w.waitFor("👀 on the note", 20*time.Second, func() bool {
		for _, a := range w.g.Awards(w.proj.ID, fakegitlab.ThreadIssue, ref(issue.IID)) {
			if a.NoteID == n.ID && a.Name == "eyes" {
				return true
			}
		}
		return false
	})
	t.Logf("FIGURE poll mode, POLL_INTERVAL=1s: mention → 👀 in %s", time.Since(asked).Round(10*time.Millisecond))
	w.exactlyOneAnswer(issue.IID)

	// An issue assigned to the bot.
	task := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Explain the handler", "What does handler/user.go return?", false)
	w.g.AssignIssueEvent(w.proj.ID, task.IID, w.alice.ID, w.bot.ID)
	w.exactlyOneAnswer(task.IID)

	// A review requested from the bot.
	w.g.CommitFiles(w.proj.ID, "main", "feature/login", map[string]string{"login.go": "package main\n\nfunc login(pw string) bool {\n\treturn pw == \"admin\"\n}\n"})
	mr := w.g.CreateMR(w.proj.ID, w.alice.ID, "feature/login", "main", "Login", fakeReview(
		`[{"path":"login.go","new_line":4,"severity":"high","text":"Hard-coded password."}]`))
	w.g.RequestReviewEvent(w.proj.ID, mr.IID, w.alice.ID, w.bot.ID)
	notes := w.waitAnswers(fakegitlab.ThreadMR, ref(mr.IID), 1)
	reviewed := false
	for _, n := range notes {
		reviewed = reviewed || finished(n) && contains(n.Body, "Review: Request changes")
	}
	if !reviewed {
		t.Fatalf("no review summary: %+v", notes)
	}
	w.waitFor("every To-Do marked done", 10*time.Second, func() bool { return w.pendingTodos() == 0 })
	if !strings.Contains(w.svc.logs.String(), "queued from the To-Do list") {
		t.Fatal("no log line for a request queued from the To-Do list")
	}
}

// A To-Do is marked done only after its request is stored: while marking fails the request is
// answered once and the To-Do stays pending; a crash before marking (kill -9) and a restart
// mark it done without a second run.
func TestPollMarksDoneOnlyAfterQueueingAndRunsOnceAcrossACrash(t *testing.T) {
	w := pollWorld(t)
	w.g.InjectFault(fakegitlab.Fault{Method: http.MethodPost, PathPattern: `^/api/v4/todos/\d+/mark_as_done$`, Status: http.StatusInternalServerError, Times: -1})
	issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Question", "", false)
	w.g.AddNote(w.proj.ID, fakegitlab.ThreadIssue, ref(issue.IID), w.alice.ID, "@claude-bot what does main.go do?")
	w.waitAnswers(fakegitlab.ThreadIssue, ref(issue.IID), 1)
	// The answer marked its To-Do done (the bot's own note does that in GitLab): put it back to
	// pending to stand for a crash before the bot had written anything.
	td := w.g.Todos(w.bot.ID)
	if len(td) != 1 {
		t.Fatalf("To-Dos: %+v", td)
	}
	w.g.SetTodoState(td[0].ID, "pending")
	w.waitRounds(2) // the poller reads it, finds it queued, fails to mark it
	w.svc.kill()
	w.g.ClearFaults()
	w.restart()
	w.waitFor("the To-Do marked done after the restart", 20*time.Second, func() bool { return w.pendingTodos() == 0 })
	w.waitRounds(2)
	w.exactlyOneAnswer(issue.IID)
	if n := strings.Count(w.svc.logs.String(), "queued from the To-Do list"); n != 0 {
		t.Fatalf("the restarted service queued %d requests again", n)
	}
}

// INTAKE=both: the webhook and the To-Do of one note make one run.
func TestPollAndWebhookForTheSameNoteRunOnce(t *testing.T) {
	w := newWorld(t, "INTAKE=both", "POLL_INTERVAL=1s")
	issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Question", "", false)
	ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID, "@claude-bot what does main.go do?")
	// The To-Do is read first (the webhook is delayed until the poller has seen it), then the
	// webhook comes: it must be a duplicate.
	w.waitRounds(1)
	w.deliver(ev, body, http.StatusOK)
	w.exactlyOneAnswer(issue.IID)

	// And the other order: webhook first, To-Do after.
	issue2 := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Question 2", "", false)
	ev, body = w.g.IssueNoteEvent(w.proj.ID, issue2.IID, w.alice.ID, "@claude-bot and handler/user.go?")
	w.deliver(ev, body, http.StatusAccepted)
	w.waitRounds(2)
	w.exactlyOneAnswer(issue2.IID)
	// An assignment: the webhook runs it while the poller cannot read the list; the bot's notes
	// mark the To-Do done and, a second later, a comment moves the issue's updated_at, so only
	// the moment the assignment happened ties the To-Do to the webhook's request.
	w.g.InjectFault(fakegitlab.Fault{Method: http.MethodGet, PathPattern: `^/api/v4/todos$`, Status: http.StatusServiceUnavailable, Times: -1})
	task := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Explain", "What does handler/user.go return?", false)
	ev, body = w.g.AssignIssueEvent(w.proj.ID, task.IID, w.alice.ID, w.bot.ID)
	assigned := time.Now()
	w.deliver(ev, body, http.StatusAccepted)
	w.waitAnswers(fakegitlab.ThreadIssue, ref(task.IID), 1)
	w.waitFor("the clock's next second", 3*time.Second, func() bool { return time.Now().Unix() > assigned.Unix()+1 })
	w.g.AddNote(w.proj.ID, fakegitlab.ThreadIssue, ref(task.IID), w.alice.ID, "thanks")
	w.g.ClearFaults()
	w.waitRounds(2)
	w.exactlyOneAnswer(task.IID)
}

// A mention in a project the bot is not a member of makes no To-Do and no run; the same
// mention in its own project does (the control).
func TestPollNothingFromProjectsTheBotIsNotIn(t *testing.T) {
	w := pollWorld(t)
	other := w.g.AddProject("elsewhere/private", "main", sampleFiles)
	w.g.AddMember(other.ID, w.alice.ID, fakegitlab.Developer)
	issue := w.g.CreateIssue(other.ID, w.alice.ID, "Question", "", false)
	w.g.AddNote(other.ID, fakegitlab.ThreadIssue, ref(issue.IID), w.alice.ID, "@claude-bot what does main.go do?")
	if td := w.g.Todos(w.bot.ID); len(td) != 0 {
		t.Fatalf("To-Dos for a project the bot is not in: %+v", td)
	}
	// Control, queued after the first: once it is answered, the first had its chance.
	own := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Question", "", false)
	w.g.AddNote(w.proj.ID, fakegitlab.ThreadIssue, ref(own.IID), w.alice.ID, "@claude-bot what does main.go do?")
	w.exactlyOneAnswer(own.IID)
	w.waitRounds(1)
	for _, n := range w.g.Notes(other.ID, fakegitlab.ThreadIssue, ref(issue.IID)) {
		if n.AuthorID == w.bot.ID {
			t.Fatalf("the bot wrote in a project it is not a member of: %+v", n)
		}
	}
}

// In poll mode the webhook endpoint says where requests come from instead.
func TestPollModeRefusesWebhooksWithAReason(t *testing.T) {
	w := pollWorld(t)
	status, body := w.svc.post("Note Hook", []byte(`{}`))
	if status != http.StatusNotFound || !strings.Contains(body["reason"].(string), "INTAKE=poll") {
		t.Fatalf("webhook in poll mode: %d %v", status, body)
	}
}
