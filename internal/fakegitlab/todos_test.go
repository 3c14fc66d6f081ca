package fakegitlab

import (
	"net/http"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

func TestTodosAsGitLabMakesThem(t *testing.T) {
	w := newWorld(t, Options{RateLimitPerMinute: -1})
	bot := w.client(t, w.botToken)
	list := func(state string) []*gitlab.Todo {
		t.Helper()
		todos, _, err := bot.Todos.ListTodos(&gitlab.ListTodosOptions{State: gitlab.Ptr(state)})
		if err != nil {
			t.Fatal(err)
		}
		return todos
	}

	is := w.g.CreateIssue(w.p.ID, w.alice.ID, "Bug", "", false)
	n := w.g.AddNote(w.p.ID, ThreadIssue, iid(is.IID), w.alice.ID, "@project_1_bot_abc why?")
	todos := list("pending")
	if len(todos) != 1 || todos[0].ActionName != gitlab.TodoAction(TodoDirectlyAddressed) ||
		todos[0].TargetType != "Issue" || todos[0].Target.IID != is.IID || todos[0].Body != n.Body ||
		todos[0].TargetURL != w.p.WebURL+"/-/issues/1#note_"+iid(n.ID) || todos[0].Project.PathWithNamespace != w.p.Path {
		t.Fatalf("todos after a note addressing the bot: %+v", todos)
	}
	// A second mention while one is pending makes none (multiple_todos is off by default).
	w.g.AddNote(w.p.ID, ThreadIssue, iid(is.IID), w.alice.ID, "and also @project_1_bot_abc, this")
	if got := list("pending"); len(got) != 1 {
		t.Fatalf("second mention while pending: %d todos, want 1", len(got))
	}
	// The bot's own note on the issue marks its To-Dos there done.
	w.g.AddNote(w.p.ID, ThreadIssue, iid(is.IID), w.bot.ID, "on it")
	if got := list("pending"); len(got) != 0 {
		t.Fatalf("after the bot's note: %d pending, want 0", len(got))
	}
	if got := list("done"); len(got) != 1 {
		t.Fatalf("done: %d, want 1", len(got))
	}
	// Mentions in code make none; a mention inside prose does ("mentioned").
	w.g.AddNote(w.p.ID, ThreadIssue, iid(is.IID), w.alice.ID, "see `@project_1_bot_abc`\n```\n@project_1_bot_abc\n```")
	if got := list("pending"); len(got) != 0 {
		t.Fatalf("mention in code: %d todos", len(got))
	}
	w.g.AddNote(w.p.ID, ThreadIssue, iid(is.IID), w.alice.ID, "please @project_1_bot_abc look")
	if got := list("pending"); len(got) != 1 || got[0].ActionName != gitlab.TodoAction(TodoMentioned) {
		t.Fatalf("mention in prose: %+v", got)
	}
	// Assignment and review requests.
	is2 := w.g.CreateIssue(w.p.ID, w.alice.ID, "Task", "", false)
	w.g.AssignIssueEvent(w.p.ID, is2.IID, w.alice.ID, w.bot.ID)
	w.g.CommitFiles(w.p.ID, "main", "feature", map[string]string{"f.txt": "x\n"})
	mr := w.g.CreateMR(w.p.ID, w.alice.ID, "feature", "main", "Feature", "")
	w.g.RequestReviewEvent(w.p.ID, mr.IID, w.alice.ID, w.bot.ID)
	got := list("pending")
	if len(got) != 3 || got[0].ActionName != gitlab.TodoAction(TodoReviewRequested) || got[0].TargetType != "MergeRequest" ||
		got[1].ActionName != gitlab.TodoAction(TodoAssigned) || got[1].Target.IID != is2.IID {
		t.Fatalf("assignment and review request: %+v", got)
	}
	// Pagination.
	page, resp, err := bot.Todos.ListTodos(&gitlab.ListTodosOptions{ListOptions: gitlab.ListOptions{PerPage: 2}})
	if err != nil || len(page) != 2 || resp.NextPage != 2 || resp.TotalItems != 3 {
		t.Fatalf("page 1 of 2: %d items, next %d, total %d, %v", len(page), resp.NextPage, resp.TotalItems, err)
	}
	// Mark done: one's own only.
	alice := w.client(t, w.aliceToken)
	resp, err = alice.Todos.MarkTodoAsDone(got[0].ID)
	wantStatus(t, resp, err, http.StatusNotFound)
	resp, err = bot.Todos.MarkTodoAsDone(got[0].ID)
	wantStatus(t, resp, err, http.StatusCreated)
	if n := len(list("pending")); n != 2 {
		t.Fatalf("after mark as done: %d pending, want 2", n)
	}
}

func TestNoTodoWhereTheBotCannotRead(t *testing.T) {
	w := newWorld(t, Options{RateLimitPerMinute: -1})
	other := w.g.AddProject("elsewhere/private", "main", map[string]string{"a": "b"})
	w.g.AddMember(other.ID, w.alice.ID, Developer)
	is := w.g.CreateIssue(other.ID, w.alice.ID, "Bug", "", false)
	w.g.AddNote(other.ID, ThreadIssue, iid(is.IID), w.alice.ID, "@project_1_bot_abc help")
	if got := w.g.Todos(w.bot.ID); len(got) != 0 {
		t.Fatalf("a mention in a project the bot is not a member of made To-Dos: %+v", got)
	}
	// Control: the same in the bot's project makes one.
	is = w.g.CreateIssue(w.p.ID, w.alice.ID, "Bug", "", false)
	w.g.AddNote(w.p.ID, ThreadIssue, iid(is.IID), w.alice.ID, "@project_1_bot_abc help")
	if got := w.g.Todos(w.bot.ID); len(got) != 1 {
		t.Fatalf("control: %+v", got)
	}
}
