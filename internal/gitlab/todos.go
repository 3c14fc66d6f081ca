package gitlab

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go/v2"
)

// Todo is one item of the bot's To-Do list: GitLab makes one when the bot's username is
// mentioned, an issue or MR is assigned to it, or its review is requested.
type Todo struct {
	ID          int64
	Action      string // mentioned, directly_addressed, assigned, review_requested, …
	TargetType  string // Issue, MergeRequest, Commit, …
	ProjectID   int64
	ProjectPath string
	AuthorID    int64
	Author      string
	NoteID      int64 // the note that mentioned the bot, from target_url's #note_<id>; 0 for none
	Body        string
	State       string // pending, done
	CreatedAt   time.Time
	Target      TodoTarget // the issue or MR as it is now
}

// TodoTarget is the issue or merge request a To-Do points at, as GitLab shows it now.
type TodoTarget struct {
	ID, IID         int64
	Title           string
	Description     string
	State           string
	WebURL          string
	Confidential    bool
	AuthorID        int64
	AssigneeIDs     []int64
	ReviewerIDs     []int64
	Labels          []string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	SourceBranch    string
	TargetBranch    string
	SourceProjectID int64
	TargetProjectID int64
	SHA             string
	Draft           bool
}

// Todos lists the bot's To-Do items in state (pending or done), newest first. With firstPage
// only the newest page (100) is read: enough for a look at what was done lately.
func (c *Client) Todos(ctx context.Context, state string, firstPage bool) ([]Todo, error) {
	fetch := func(page int64, o gl.RequestOptionFunc) ([]*gl.Todo, *gl.Response, error) {
		items, resp, err := c.gl.Todos.ListTodos(&gl.ListTodosOptions{ListOptions: listOpts(page), State: gl.Ptr(state)}, o)
		if firstPage && resp != nil {
			resp.NextPage = 0
		}
		return items, resp, err
	}
	items, err := pages(ctx, c, fetch)
	if err != nil {
		return nil, fmt.Errorf("list %s To-Do items: %w", state, err)
	}
	out := make([]Todo, 0, len(items))
	for _, t := range items {
		if t != nil {
			out = append(out, toTodo(t))
		}
	}
	return out, nil
}

// MarkTodoDone marks one To-Do item done; an item already done is fine.
func (c *Client) MarkTodoDone(ctx context.Context, id int64) error {
	err := c.call(ctx, func(o gl.RequestOptionFunc) error {
		_, err := c.gl.Todos.MarkTodoAsDone(id, o)
		return err
	})
	if err != nil {
		return fmt.Errorf("mark To-Do %d done: %w", id, err)
	}
	return nil
}

var noteAnchor = regexp.MustCompile(`#note_(\d+)$`)

func toTodo(t *gl.Todo) Todo {
	out := Todo{ID: t.ID, Action: string(t.ActionName), TargetType: string(t.TargetType), Body: t.Body, State: t.State}
	if t.Project != nil {
		out.ProjectID, out.ProjectPath = t.Project.ID, t.Project.PathWithNamespace
	}
	if t.Author != nil {
		out.AuthorID, out.Author = t.Author.ID, t.Author.Username
	}
	if m := noteAnchor.FindStringSubmatch(t.TargetURL); m != nil {
		out.NoteID, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if t.CreatedAt != nil {
		out.CreatedAt = *t.CreatedAt
	}
	if t.Target != nil {
		out.Target = toTodoTarget(t.Target)
	}
	return out
}

func toTodoTarget(x *gl.TodoTarget) TodoTarget {
	t := TodoTarget{IID: x.IID, Title: x.Title, Description: x.Description, State: x.State, WebURL: x.WebURL,
		Confidential: x.Confidential, Labels: x.Labels, SourceBranch: x.SourceBranch, TargetBranch: x.TargetBranch,
		SourceProjectID: x.SourceProjectID, TargetProjectID: x.TargetProjectID, SHA: x.SHA,
		Draft: x.WorkInProgress || strings.HasPrefix(strings.ToLower(x.Title), "draft:")}
	if id, ok := x.ID.(float64); ok {
		t.ID = int64(id)
	}
	if x.Author != nil {
		t.AuthorID = x.Author.ID
	}
	for _, u := range x.Assignees {
		if u != nil {
			t.AssigneeIDs = append(t.AssigneeIDs, u.ID)
		}
	}
	if len(t.AssigneeIDs) == 0 && x.Assignee != nil {
		t.AssigneeIDs = []int64{x.Assignee.ID}
	}
	for _, u := range x.Reviewers {
		if u != nil {
			t.ReviewerIDs = append(t.ReviewerIDs, u.ID)
		}
	}
	if x.CreatedAt != nil {
		t.CreatedAt = *x.CreatedAt
	}
	if x.UpdatedAt != nil {
		t.UpdatedAt = *x.UpdatedAt
	}
	return t
}
