package webhook_test

import (
	"encoding/json"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/golden"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/webhook"
	wt "gitlab.com/claude-gitlab/claude-gitlab/internal/webhook/webhooktest"
)

// Every field of the event Parse makes of each note payload, pinned: GitLab's four noteable
// types, the fields client-go lacks, a field of an unexpected type, the confidential hook.
func TestParseNotesWhole(t *testing.T) {
	cases := []struct {
		golden, file, header string
		set                  map[string]any
	}{
		{"note_issue", "note_issue.json", "Note Hook", nil},
		{"note_mr", "note_mr.json", "Note Hook", nil},
		{"note_commit", "note_commit.json", "Note Hook", nil},
		{"note_snippet", "note_snippet.json", "Note Hook", nil},
		{"confidential_note", "confidential_note.json", "Confidential Note Hook", nil},
		{"note_issue_extras", "note_issue.json", "Note Hook", map[string]any{
			"object_attributes.discussion_id": "abc123", "object_attributes.type": "DiscussionNote",
			"object_attributes.internal": true, "object_attributes.project_id": 77, "project_id": 78}},
		{"note_mr_diff", "note_mr.json", "Note Hook", map[string]any{
			"object_attributes.type": "DiffNote", "object_attributes.confidential": true}},
		{"note_snippet_no_snippet", "note_snippet.json", "Note Hook", map[string]any{"snippet": nil}},
		{"note_commit_no_commit", "note_commit.json", "Note Hook", map[string]any{"commit": nil}},
		{"note_issue_odd_types", "note_issue.json", "Note Hook", map[string]any{
			"object_attributes.noteable_id": "92", "user.id": "seven", "issue.title": 5}},
		{"note_mr_no_project_id", "note_mr.json", "Note Hook", map[string]any{"project.id": nil}},
	}
	for _, c := range cases {
		t.Run(c.golden, func(t *testing.T) {
			p := wt.Load(t, c.file)
			for path, v := range c.set {
				p = p.Set(path, v)
			}
			ev, err := webhook.Parse(c.header, p.Bytes(t))
			if err != nil {
				t.Fatal(err)
			}
			out, err := json.MarshalIndent(ev, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, "parse/"+c.golden+".json", string(out)+"\n")
		})
	}
}
