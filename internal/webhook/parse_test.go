package webhook_test

import (
	"errors"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/webhook"
	wt "gitlab.com/claude-gitlab/claude-gitlab/internal/webhook/webhooktest"
)

func parseFile(t *testing.T, name string) event.Event {
	t.Helper()
	ev, err := webhook.Parse(wt.Headers[name], wt.Raw(t, name))
	if err != nil {
		t.Fatalf("Parse %s: %v", name, err)
	}
	return ev
}

func TestParseRealPayloads(t *testing.T) {
	tests := []struct {
		file         string
		kind         event.Kind
		action       string
		project      int64
		path         string
		thread       event.ThreadType
		iid          int64
		actor        string
		confidential bool
	}{
		{"issue_open.json", event.KindIssue, "open", 1, "gitlabhq/gitlab-test", event.ThreadIssue, 23, "root", false},
		{"confidential_issue.json", event.KindIssue, "open", 14, "gitlabhq/gitlab-test", event.ThreadIssue, 23, "root", true},
		{"mr_open.json", event.KindMergeRequest, "open", 1, "gitlabhq/gitlab-test", event.ThreadMergeRequest, 1, "user1", false},
		{"mr_update.json", event.KindMergeRequest, "update", 2, "test/woodpecker", event.ThreadMergeRequest, 2, "test", false},
		{"note_issue.json", event.KindNote, "create", 5, "gitlab-org/gitlab-test", event.ThreadIssue, 17, "user1", false},
		{"note_mr.json", event.KindNote, "create", 5, "gitlab-org/gitlab-test", event.ThreadMergeRequest, 1, "root", false},
		{"note_commit.json", event.KindNote, "create", 5, "gitlabhq/gitlab-test", event.ThreadCommit, 0, "user1", false},
		{"note_snippet.json", event.KindNote, "create", 5, "gitlab-org/gitlab-test", event.ThreadSnippet, 0, "user1", false},
		{"confidential_note.json", event.KindNote, "", 5, "gitlab-org/gitlab-test", event.ThreadIssue, 17, "root", true},
		{"pipeline_success.json", event.KindPipeline, "success", 1, "gitlab-org/gitlab-test", event.ThreadMergeRequest, 1, "user1", false},
		{"wiki_page.json", event.KindWikiPage, "create", 1, "root/awesome-project", "", 0, "user1", false},
		{"push.json", event.KindPush, "", 15, "mike/diaspora", "", 0, "jsmith", false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ev := parseFile(t, tt.file)
			if ev.Kind != tt.kind || ev.Action != tt.action || ev.HookName != wt.Headers[tt.file] {
				t.Errorf("kind/action/hook = %s/%s/%s, want %s/%s", ev.Kind, ev.Action, ev.HookName, tt.kind, tt.action)
			}
			if ev.Project.ID != tt.project || ev.Project.Path != tt.path {
				t.Errorf("project = %d %q, want %d %q", ev.Project.ID, ev.Project.Path, tt.project, tt.path)
			}
			if ev.Thread.Type != tt.thread || ev.Thread.IID != tt.iid {
				t.Errorf("thread = %s !%d, want %s !%d", ev.Thread.Type, ev.Thread.IID, tt.thread, tt.iid)
			}
			if ev.Actor.Username != tt.actor || ev.Confidential != tt.confidential {
				t.Errorf("actor %q confidential %v, want %q %v", ev.Actor.Username, ev.Confidential, tt.actor, tt.confidential)
			}
		})
	}
}

func TestParseNoteDetails(t *testing.T) {
	ev := parseFile(t, "note_snippet.json")
	n := ev.Note
	if n == nil || n.ID != 1245 || n.DiscussionID != "e1c5835f5f99414806f6fe45b28s48cfebb89ee1" || n.Action != "create" {
		t.Fatalf("note = %+v", n)
	}
	if ev.Thread.ID != 53 || ev.Thread.Title != "test" {
		t.Errorf("snippet thread = %+v", ev.Thread)
	}
	ev = parseFile(t, "note_commit.json")
	if ev.Thread.CommitSHA != "cfe32cf61b73a0d5e9f13e774abde7ff789b1660" || ev.Thread.Title != "Add submodule" {
		t.Errorf("commit thread = %+v", ev.Thread)
	}
	ev = parseFile(t, "note_mr.json")
	if ev.Thread.SourceBranch != "master" || ev.Thread.TargetBranch != "markdown" ||
		ev.Thread.HeadSHA != "562e173be03b8ff2efb05345d12df18815438a4b" || ev.Note.Body != "This MR needs work." {
		t.Errorf("MR note = %+v %+v", ev.Thread, ev.Note)
	}
}

// The client's sample payloads lack discussion_id, type and internal on issue notes; real
// deliveries carry them, and they must reach our event.
func TestParseNoteFieldsClientGoLacks(t *testing.T) {
	body := wt.Load(t, "note_issue.json").
		Set("object_attributes.discussion_id", "abc123").
		Set("object_attributes.type", "DiscussionNote").
		Set("object_attributes.internal", true).Bytes(t)
	ev, err := webhook.Parse("Note Hook", body)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Note.DiscussionID != "abc123" || ev.Note.Type != "DiscussionNote" || !ev.Note.Internal {
		t.Errorf("note = %+v", ev.Note)
	}
	if !ev.Confidential {
		t.Error("an internal note must count as confidential")
	}
	body = wt.Load(t, "note_mr.json").Set("object_attributes.type", "DiffNote").Bytes(t)
	if ev, err = webhook.Parse("Note Hook", body); err != nil || ev.Note.Type != "DiffNote" {
		t.Errorf("MR note type = %q, %v", ev.Note.Type, err)
	}
}

func TestParseChanges(t *testing.T) {
	ev := parseFile(t, "issue_open.json")
	c := ev.Changes
	if c.Description == nil || c.Description.Current != "New description" || c.Description.Previous != "" {
		t.Errorf("description change = %+v", c.Description)
	}
	if c.Title == nil || c.AssigneeIDs != nil {
		t.Errorf("title %+v assignees %+v", c.Title, c.AssigneeIDs)
	}
	ev = parseFile(t, "mr_update.json")
	if ev.Changes.Description != nil || ev.Changes.Title != nil || ev.Changes.ReviewerIDs != nil {
		t.Errorf("mr_update changes only updated_at, got %+v", ev.Changes)
	}
	if ev.Thread.OldRev != "6ef047571374c96a2bf13c361efd1fb008b0063e" {
		t.Errorf("oldrev = %q", ev.Thread.OldRev)
	}
	body := wt.Load(t, "mr_update.json").Set("changes.reviewers", map[string]any{
		"previous": []any{}, "current": []any{wt.User(7, "claude")}}).Bytes(t)
	ev, err := webhook.Parse("Merge Request Hook", body)
	if err != nil || ev.Changes.ReviewerIDs == nil || len(ev.Changes.ReviewerIDs.Current) != 1 ||
		ev.Changes.ReviewerIDs.Current[0] != 7 || len(ev.Changes.ReviewerIDs.Previous) != 0 {
		t.Errorf("reviewers change = %+v, %v", ev.Changes.ReviewerIDs, err)
	}
}

func TestParseErrors(t *testing.T) {
	note := wt.Raw(t, "note_issue.json")
	otherNoteable := wt.Load(t, "note_issue.json").Set("object_attributes.noteable_type", "DesignManagement::Design").Bytes(t)
	tests := []struct {
		name      string
		header    string
		body      []byte
		missing   bool
		malformed bool
		unhandled bool
	}{
		{"missing header", "", note, true, false, false},
		{"truncated JSON", "Note Hook", note[:len(note)/2], false, true, false},
		{"not an object", "Note Hook", []byte(`[1,2]`), false, true, false},
		{"empty body", "Push Hook", nil, false, true, false},
		{"note hook with another object kind", "Note Hook", wt.Raw(t, "push.json"), false, true, false},
		{"unknown header", "Frobnicate Hook", note, false, false, true},
		{"system hook", "System Hook", note, false, false, true},
		{"note on a design", "Note Hook", otherNoteable, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := webhook.Parse(tt.header, tt.body)
			var unhandled *webhook.UnhandledEventError
			if errors.Is(err, webhook.ErrMissingEvent) != tt.missing ||
				errors.Is(err, webhook.ErrMalformed) != tt.malformed ||
				errors.As(err, &unhandled) != tt.unhandled {
				t.Errorf("err = %v", err)
			}
		})
	}
}

// A field whose type changed in a newer GitLab must not turn a real delivery into a 400.
func TestParseToleratesUnexpectedFieldType(t *testing.T) {
	body := wt.Load(t, "note_issue.json").
		Set("object_attributes.noteable_id", "92").
		Set("object_attributes.note", "@claude still here").Bytes(t)
	ev, err := webhook.Parse("Note Hook", body)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Note == nil || ev.Note.Body != "@claude still here" || ev.Thread.IID != 17 {
		t.Errorf("event = %+v", ev)
	}
	body = wt.Load(t, "pipeline_success.json").Set("object_attributes.id", "thirty-one").Bytes(t)
	if ev, err = webhook.Parse("Pipeline Hook", body); err != nil || ev.Kind != event.KindPipeline || ev.Project.ID != 1 {
		t.Errorf("pipeline = %+v, %v", ev, err)
	}
}
