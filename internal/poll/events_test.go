package poll

import (
	"strconv"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

var (
	t0    = time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	proj  = gitlab.Project{ID: 7, Path: "acme/demo", WebURL: "https://gl/acme/demo", DefaultBranch: "main"}
	rules = trigger.Rules{BotID: 99, BotUsername: "claude-bot"}
)

func notes() []gitlab.Note {
	return []gitlab.Note{
		{ID: 10, Body: "@claude-bot old question", AuthorID: 1, AuthorUsername: "alice", CreatedAt: t0.Add(-time.Hour), DiscussionID: "d10"},
		{ID: 11, Body: "@claude-bot why?", AuthorID: 1, AuthorUsername: "alice", CreatedAt: t0, DiscussionID: "d11"},
		{ID: 12, Body: "answer", AuthorID: 99, AuthorUsername: "claude-bot", CreatedAt: t0.Add(time.Second)},
		{ID: 13, Body: "@claude-bot and this", AuthorID: 1, AuthorUsername: "alice", CreatedAt: t0.Add(2 * time.Second), DiscussionID: "d13"},
		{ID: 14, Body: "changed the description", System: true, CreatedAt: t0.Add(3 * time.Second)},
	}
}

// A note's To-Do stands for its note and the later ones (GitLab makes no second To-Do while one
// is pending); older notes, the bot's own and system notes make no request.
func TestCandidatesOfANoteTodo(t *testing.T) {
	td := gitlab.Todo{ID: 1, Action: "directly_addressed", TargetType: "Issue", ProjectID: 7, NoteID: 11, CreatedAt: t0,
		Target: gitlab.TodoTarget{IID: 3, WebURL: "https://gl/acme/demo/-/issues/3", UpdatedAt: t0}}
	var got []int64
	for _, c := range candidates(td, proj, notes(), 2*time.Second) {
		req, err := trigger.Match(c.ev, rules)
		if err != nil {
			continue
		}
		if req.DiscussionID == "" || req.URL != "https://gl/acme/demo/-/issues/3#note_"+itoa(req.NoteID) || req.Project.Path != "acme/demo" {
			t.Fatalf("request %+v", req)
		}
		if c.primary != (req.NoteID == 11) {
			t.Fatalf("primary on note %d", req.NoteID)
		}
		got = append(got, req.NoteID)
	}
	if len(got) != 2 || got[0] != 11 || got[1] != 13 {
		t.Fatalf("requests from notes %v, want [11 13]", got)
	}
}

// An assignment To-Do is the update that newly assigns the bot; unassigned since, it asks nothing.
func TestCandidatesOfAnAssignment(t *testing.T) {
	td := gitlab.Todo{ID: 2, Action: "assigned", TargetType: "MergeRequest", ProjectID: 7, AuthorID: 1, Author: "alice", CreatedAt: t0,
		Target: gitlab.TodoTarget{IID: 4, AssigneeIDs: []int64{99}, CreatedAt: t0.Add(-time.Hour), UpdatedAt: t0, SourceBranch: "f", TargetBranch: "main"}}
	cs := candidates(td, proj, nil, 2*time.Second)
	req, err := trigger.Match(cs[0].ev, rules)
	if err != nil || req.Reason != trigger.ReasonAssigned || req.Thread.Type != event.ThreadMergeRequest || req.Author.Username != "alice" || !cs[0].primary {
		t.Fatalf("assignment: %+v %v", req, err)
	}
	td.Target.AssigneeIDs = nil
	if _, err := trigger.Match(candidates(td, proj, nil, 2*time.Second)[0].ev, rules); err == nil {
		t.Fatal("an assignment undone since asked for a run")
	}
}

// A mention in a description made with the issue is an "open"; one added later an "edit".
func TestCandidatesOfADescriptionMention(t *testing.T) {
	td := gitlab.Todo{ID: 3, Action: "mentioned", TargetType: "Issue", ProjectID: 7, AuthorID: 1, Author: "alice", CreatedAt: t0,
		Target: gitlab.TodoTarget{IID: 5, Title: "Bug", Description: "@claude-bot look", CreatedAt: t0, UpdatedAt: t0}}
	if req, err := trigger.Match(candidates(td, proj, nil, 2*time.Second)[0].ev, rules); err != nil || req.Reason != trigger.ReasonOpened {
		t.Fatalf("opened with a mention: %+v %v", req, err)
	}
	td.Target.CreatedAt = t0.Add(-time.Hour)
	if req, err := trigger.Match(candidates(td, proj, nil, 2*time.Second)[0].ev, rules); err != nil || req.Reason != trigger.ReasonEdited {
		t.Fatalf("mention added by an edit: %+v %v", req, err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
