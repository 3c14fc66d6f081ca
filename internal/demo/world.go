package demo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
)

// World is the GitLab stand-in of the demo: a bot, you, and a sample project.
type World struct {
	GitLab   *fakegitlab.GitLab
	BotToken string
	Bot, You fakegitlab.User
	Project  fakegitlab.Project
}

// Thread is one conversation the demo starts.
type Thread struct {
	Kind  fakegitlab.ThreadType
	IID   int64
	Title string
}

// NewWorld starts the GitLab stand-in on 127.0.0.1.
func NewWorld() (*World, error) {
	g, err := fakegitlab.New(fakegitlab.Options{RateLimitPerMinute: -1, Version: "17.8.0-demo"})
	if err != nil {
		return nil, err
	}
	w := &World{GitLab: g}
	w.Bot = g.AddUser("claude", "Claude", true)
	w.BotToken = g.AddToken(w.Bot.ID, []string{"api", "read_repository", "write_repository"}, time.Now().AddDate(0, 3, 0), "project")
	w.You = g.AddUser("you", "You", false)
	w.Project = g.AddProject("demo/shop", "main", SampleFiles)
	g.AddMember(w.Project.ID, w.Bot.ID, fakegitlab.Developer)
	g.AddMember(w.Project.ID, w.You.ID, fakegitlab.Maintainer)
	return w, nil
}

// Close stops the stand-in.
func (w *World) Close() { w.GitLab.Close() }

// AddHook registers the service's webhook on the project, as `setup` would.
func (w *World) AddHook(url, secret string) { w.GitLab.AddHook(w.Project.ID, url, secret) }

// The three classic first requests.
const (
	Question = "@claude Hello! Can you help me understand what this service does?"
	Review   = "@claude Please review this MR for: security vulnerabilities, performance issues, code style consistency, missing error handling"
	Change   = "@claude Please add a GET /health endpoint that answers ok, for our load balancer."
)

// Ask opens the three threads and comments in each, as you would in GitLab; GitLab sends the
// webhooks. It returns the threads.
func (w *World) Ask(ctx context.Context) ([]Thread, error) {
	g, pid := w.GitLab, w.Project.ID
	q := g.CreateIssue(pid, w.You.ID, "What does this service do?", "I am new to this project.", false)
	g.CommitFiles(pid, "main", "feature/discount", map[string]string{"discount.go": DiscountFile})
	mr := g.CreateMR(pid, w.You.ID, "feature/discount", "main", "Add a discount helper", "Adds `discount()` for the upcoming sale.")
	c := g.CreateIssue(pid, w.You.ID, "Add a health endpoint", "Our load balancer needs one.", false)
	threads := []Thread{{fakegitlab.ThreadIssue, q.IID, q.Title}, {fakegitlab.ThreadMR, mr.IID, mr.Title}, {fakegitlab.ThreadIssue, c.IID, c.Title}}
	texts := []string{Question, Review, Change}
	for i, t := range threads {
		var ev string
		var payload []byte
		if t.Kind == fakegitlab.ThreadMR {
			ev, payload = g.MRNoteEvent(pid, t.IID, w.You.ID, texts[i])
		} else {
			ev, payload = g.IssueNoteEvent(pid, t.IID, w.You.ID, texts[i])
		}
		for _, d := range g.Deliver(ctx, pid, ev, payload) {
			if d.ResponseStatus != "202" {
				return nil, fmt.Errorf("webhook for %q answered %s: %s", t.Title, d.ResponseStatus, d.ResponseBody)
			}
		}
	}
	return threads, nil
}

// Wait waits until every thread has its final answer.
func (w *World) Wait(ctx context.Context, threads []Thread) error {
	for _, t := range threads {
		for !w.answered(t) {
			select {
			case <-ctx.Done():
				return fmt.Errorf("no answer in %q yet: %w", t.Title, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

func (w *World) answered(t Thread) bool {
	for _, n := range w.GitLab.Notes(w.Project.ID, t.Kind, strconv.FormatInt(t.IID, 10)) {
		if n.AuthorID == w.Bot.ID && marker.HasJob(n.Body) && !strings.Contains(n.Body, "is working on it") &&
			!strings.Contains(n.Body, "**Queued.**") { // the ack lane's note while it waits
			return true
		}
	}
	return false
}
