package fakegitlab

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// keyDiff compares the key sets of two JSON objects recursively: keys only in real, keys only
// in ours (paths like "object_attributes.position").
func keyDiff(prefix string, real, ours map[string]any) (missing, extra []string) {
	for k, rv := range real {
		ov, ok := ours[k]
		if !ok {
			missing = append(missing, prefix+k)
			continue
		}
		rm, rok := rv.(map[string]any)
		om, ook := ov.(map[string]any)
		if rok && ook {
			m, e := keyDiff(prefix+k+".", rm, om)
			missing, extra = append(missing, m...), append(extra, e...)
		}
	}
	for k := range ours {
		if _, ok := real[k]; !ok {
			extra = append(extra, prefix+k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	return missing, extra
}

func loadPayload(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "gitlab-payloads", name))
	if err != nil {
		b, err = os.ReadFile(filepath.Join("/work/shared/gitlab-payloads", name))
	}
	if err != nil {
		t.Skipf("real payloads not found: %v", err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// allowedMissing are keys of the real samples we leave out on purpose.
var allowedMissing = map[string]string{
	"snippet.encrypted_secret_token":      "secret snippet internals; nothing reads them",
	"snippet.encrypted_secret_token_iv":   "secret snippet internals; nothing reads them",
	"snippet.secret_token":                "secret snippet internals; nothing reads them",
	"object_attributes.oldrev":            "sent only on MR updates that pushed commits",
	"object_attributes.change_position":   "old sample: issues have no positions",
	"object_attributes.original_position": "old sample: issues have no positions",
	"object_attributes.position":          "old sample: issues have no positions",
}

// allowedExtra are key names our payloads carry beyond the (older) samples: fields of
// client-go's own structs that newer GitLab sends, and the note keys real deliveries carry.
var allowedExtra = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`approvals_before_merge assignees blocking_discussions_resolved branch_name
		change_position ci_config_path closed_at confidential deleted_at detailed_merge_status discussion_id
		draft due_date first_contribution head_pipeline_id id in_progress_merge_commit_sha internal labels
		last_edited_at last_edited_by_id lock_version locked_at merge_commit_sha merge_error merge_params
		merge_user_id merge_when_pipeline_succeeds original_position position rebase_commit_sha
		resolved_at resolved_by_id resolved_by_push reviewer_ids reviewers squash start_date system
		system_action time_estimate total_time_spent type updated_by_id url description event_type action
		assignee_ids assignee_id human_time_estimate human_total_time_spent human_time_change time_change
		escalation_status escalation_policy severity weight changes discussion_locked duplicated_to_id
		moved_to_id relative_position state_id email`) {
		allowedExtra[k] = true
	}
}

func TestPayloadsMatchRealKeysAndParse(t *testing.T) {
	w := newWorld(t, Options{})
	mr := w.newMR(t)
	is := w.g.CreateIssue(w.p.ID, w.alice.ID, "Bug", "d", false)
	secret := w.g.CreateIssue(w.p.ID, w.alice.ID, "Leak", "d", true)
	sn := w.g.CreateSnippet(w.p.ID, w.alice.ID, "s", "s.go", "x")
	cases := []struct {
		sample, event string
		build         func() (string, []byte)
	}{
		{"note_issue.json", EventNote, func() (string, []byte) { return w.g.IssueNoteEvent(w.p.ID, is.IID, w.alice.ID, "@claude hi") }},
		{"note_mr.json", EventNote, func() (string, []byte) { return w.g.MRNoteEvent(w.p.ID, mr.IID, w.alice.ID, "@claude hi") }},
		{"note_commit.json", EventNote, func() (string, []byte) { return w.g.CommitNoteEvent(w.p.ID, mr.SHA, w.alice.ID, "@claude hi") }},
		{"note_snippet.json", EventNote, func() (string, []byte) { return w.g.SnippetNoteEvent(w.p.ID, sn.ID, w.alice.ID, "@claude hi") }},
		{"confidential_note.json", EventConfidentialNote, func() (string, []byte) {
			return w.g.IssueNoteEvent(w.p.ID, secret.IID, w.alice.ID, "@claude hi")
		}},
		{"issue_open.json", EventIssue, func() (string, []byte) {
			_, e, p := w.g.OpenIssueEvent(w.p.ID, w.alice.ID, "t", "@claude do it", false)
			return e, p
		}},
		{"confidential_issue.json", EventConfidentialIssue, func() (string, []byte) {
			return w.g.IssueEvent(w.p.ID, secret.IID, w.alice.ID, "open")
		}},
		{"mr_open.json", EventMergeRequest, func() (string, []byte) { return w.g.MREvent(w.p.ID, mr.IID, w.alice.ID, "open") }},
		{"mr_update.json", EventMergeRequest, func() (string, []byte) { return w.g.EditMREvent(w.p.ID, mr.IID, w.alice.ID, "@claude new") }},
	}
	for _, tc := range cases {
		t.Run(tc.sample, func(t *testing.T) {
			event, payload := tc.build()
			if event != tc.event {
				t.Fatalf("event = %q, want %q", event, tc.event)
			}
			ours := map[string]any{}
			if err := json.Unmarshal(payload, &ours); err != nil {
				t.Fatal(err)
			}
			missing, extra := keyDiff("", loadPayload(t, tc.sample), ours)
			for _, k := range missing {
				if _, ok := allowedMissing[k]; !ok && !strings.HasPrefix(k, "changes.") {
					t.Errorf("missing key %s", k)
				}
			}
			for _, k := range extra {
				if leaf := k[strings.LastIndex(k, ".")+1:]; !allowedExtra[leaf] && !strings.HasPrefix(k, "changes.") {
					t.Errorf("unexpected key %s", k)
				}
			}
			if _, err := gitlab.ParseWebhook(gitlab.EventType(event), payload); err != nil {
				t.Fatalf("ParseWebhook: %v", err)
			}
		})
	}
}

func TestNotePayloadCarriesDiscussionAndType(t *testing.T) {
	w := newWorld(t, Options{})
	is := w.g.CreateIssue(w.p.ID, w.alice.ID, "Bug", "", false)
	first := w.g.AddNote(w.p.ID, ThreadIssue, iid(is.IID), w.alice.ID, "question")
	reply, event, payload := w.g.NoteWithEvent(w.p.ID, ThreadIssue, iid(is.IID), w.bot.ID, "@claude answer",
		NoteOptions{DiscussionID: first.DiscussionID})
	var got struct {
		ObjectAttributes struct {
			ID           int64   `json:"id"`
			DiscussionID string  `json:"discussion_id"`
			Type         *string `json:"type"`
			Action       string  `json:"action"`
		} `json:"object_attributes"`
	}
	if err := json.Unmarshal(payload, &got); err != nil {
		t.Fatal(err)
	}
	oa := got.ObjectAttributes
	if event != EventNote || oa.ID != reply.ID || oa.DiscussionID != first.DiscussionID || oa.Type == nil || *oa.Type != "DiscussionNote" || oa.Action != "create" {
		t.Fatalf("object_attributes = %+v", oa)
	}
	parsed, err := gitlab.ParseWebhook(gitlab.EventTypeNote, payload)
	if err != nil {
		t.Fatal(err)
	}
	if e := parsed.(*gitlab.IssueCommentEvent); e.ObjectAttributes.DiscussionID != first.DiscussionID || e.Issue.IID != is.IID || e.User.ID != w.bot.ID {
		t.Fatalf("parsed = %+v", e)
	}
}

func TestEditIssueEventListsOnlyTheChange(t *testing.T) {
	w := newWorld(t, Options{})
	is := w.g.CreateIssue(w.p.ID, w.alice.ID, "Bug", "old", false)
	_, payload := w.g.EditIssueEvent(w.p.ID, is.IID, w.alice.ID, "old @claude")
	parsed, err := gitlab.ParseWebhook(gitlab.EventTypeIssue, payload)
	if err != nil {
		t.Fatal(err)
	}
	e := parsed.(*gitlab.IssueEvent)
	if e.ObjectAttributes.Action != "update" || e.Changes.Description.Previous != "old" || e.Changes.Description.Current != "old @claude" {
		t.Fatalf("event = %+v", e.Changes)
	}
	var raw map[string]map[string]any
	json.Unmarshal(payload, &raw)
	if _, ok := raw["changes"]["title"]; ok {
		t.Fatal("changes lists a title that did not change")
	}
}
