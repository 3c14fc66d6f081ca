package webhook

import (
	"encoding/json"
	"errors"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// The quick path answers the common case (every issue or MR edit, every comment without a
// mention) without the full parse: it decodes only the fields trigger.Match reads into a small
// struct, and the texts that can carry the phrase only when the raw body may hold it
// (trigger.Rules.MayMention). trigger.Match decides on that light event; only when it would
// trigger (or the payload is unusual) does the delivery go through client-go's full parse.
// Whatever the light event lacks cannot make Match trigger, so the quick path never ignores a
// delivery the full path acts on (quick_test.go checks this on GitLab's payloads).

// quickIgnore returns the reason when the delivery certainly does not trigger; ok is false when
// the full parse must decide (it may trigger, or it is malformed and gets its 400 there).
func quickIgnore(header string, body []byte, rules trigger.Rules) (ev event.Event, reason string, ok bool) {
	texts := rules.MayMention(body)
	if texts && isNoteHook(header) {
		// A comment that may mention the bot is nearly always a request: the full parse decides
		// at once, rather than after a light decode of the same body that would not ignore it.
		return event.Event{}, "", false
	}
	return quickIgnoreTexts(header, body, rules, texts)
}

// quickIgnoreTexts decodes the texts only when texts is true.
func quickIgnoreTexts(header string, body []byte, rules trigger.Rules, texts bool) (ev event.Event, reason string, ok bool) {
	switch header {
	case "Note Hook", "Confidential Note Hook":
		ev, ok = quickNote(body, texts)
	case "Issue Hook", "Confidential Issue Hook":
		ev, ok = quickIssuable(event.KindIssue, body, texts)
	case "Merge Request Hook":
		ev, ok = quickIssuable(event.KindMergeRequest, body, texts)
	}
	if !ok {
		return event.Event{}, "", false
	}
	ev.HookName = header
	_, err := trigger.Match(ev, rules)
	var ignored *trigger.Ignored
	if !errors.As(err, &ignored) {
		return event.Event{}, "", false
	}
	return ev, ignored.Reason, true
}

// rawText is a JSON string left undecoded: a slice of the body, decoded only when needed.
type rawText []byte

func (t *rawText) UnmarshalJSON(b []byte) error {
	*t = b // b is a slice of the body we own and never change
	return nil
}

// text decodes the string when want is true; otherwise "" (it cannot mention the bot).
func (t rawText) text(want bool) (string, bool) {
	if !want || len(t) == 0 || string(t) == "null" {
		return "", true
	}
	var s string
	return s, json.Unmarshal(t, &s) == nil
}

type quickUser struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
}

type quickProject struct {
	ID                int64  `json:"id"`
	PathWithNamespace string `json:"path_with_namespace"`
}

type quickNoteFields struct {
	ObjectKind       string       `json:"object_kind"`
	User             quickUser    `json:"user"`
	Project          quickProject `json:"project"`
	ObjectAttributes struct {
		NoteableType string  `json:"noteable_type"`
		System       bool    `json:"system"`
		Action       string  `json:"action"`
		Note         rawText `json:"note"`
	} `json:"object_attributes"`
}

var quickThreadTypes = map[string]event.ThreadType{
	"Issue": event.ThreadIssue, "MergeRequest": event.ThreadMergeRequest,
	"Commit": event.ThreadCommit, "Snippet": event.ThreadSnippet,
}

func quickNote(body []byte, texts bool) (event.Event, bool) {
	var f quickNoteFields
	if json.Unmarshal(body, &f) != nil || f.ObjectKind != "note" {
		return event.Event{}, false
	}
	a := f.ObjectAttributes
	thread, known := quickThreadTypes[a.NoteableType]
	note, ok := a.Note.text(texts)
	if !known || !ok {
		return event.Event{}, false // the full parse says why
	}
	return event.Event{
		Kind: event.KindNote, Action: a.Action, Project: f.Project.event(),
		Actor:  event.User{ID: f.User.ID, Username: f.User.Username},
		Thread: event.Thread{Type: thread},
		Note:   &event.Note{Body: note, System: a.System, Action: a.Action},
	}, true
}

type quickIssuableFields struct {
	User             quickUser    `json:"user"`
	Project          quickProject `json:"project"`
	ObjectAttributes struct {
		IID            int64        `json:"iid"`
		Action         string       `json:"action"`
		AuthorID       int64        `json:"author_id"`
		Title          rawText      `json:"title"`
		Description    rawText      `json:"description"`
		AssigneeIDs    []int64      `json:"assignee_ids"`
		AssigneeID     int64        `json:"assignee_id"`
		ReviewerIDs    []int64      `json:"reviewer_ids"`
		Draft          bool         `json:"draft"`
		WorkInProgress bool         `json:"work_in_progress"`
		OldRev         string       `json:"oldrev"`
		Labels         []quickLabel `json:"labels"`
	} `json:"object_attributes"`
	Changes struct {
		Title       *quickTextChange  `json:"title"`
		Description *quickTextChange  `json:"description"`
		Assignees   *quickUsersChange `json:"assignees"`
		Reviewers   *quickUsersChange `json:"reviewers"`
		Labels      *struct {
			Previous []quickLabel `json:"previous"`
			Current  []quickLabel `json:"current"`
		} `json:"labels"`
		Draft *struct {
			Previous bool `json:"previous"`
			Current  bool `json:"current"`
		} `json:"draft"`
	} `json:"changes"`
}

type quickTextChange struct {
	Previous rawText `json:"previous"`
	Current  rawText `json:"current"`
}

type quickUsersChange struct {
	Previous []quickUser `json:"previous"`
	Current  []quickUser `json:"current"`
}

func quickIssuable(kind event.Kind, body []byte, texts bool) (event.Event, bool) {
	var f quickIssuableFields
	if json.Unmarshal(body, &f) != nil {
		return event.Event{}, false // a type client-go is lenient about, or not JSON: full parse
	}
	a := f.ObjectAttributes
	title, ok1 := a.Title.text(texts)
	desc, ok2 := a.Description.text(texts)
	ev := event.Event{
		Kind: kind, Action: a.Action, Project: f.Project.event(),
		Actor: event.User{ID: f.User.ID, Username: f.User.Username},
		Thread: event.Thread{IID: a.IID, Title: title, Description: desc, AuthorID: a.AuthorID,
			AssigneeIDs: assignees(a.AssigneeIDs, a.AssigneeID), ReviewerIDs: a.ReviewerIDs, OldRev: a.OldRev},
	}
	if kind == event.KindMergeRequest {
		ev.Thread.Draft = a.Draft || a.WorkInProgress
	}
	c := f.Changes
	var ok3, ok4 bool
	ev.Changes.Title, ok3 = c.Title.change(texts)
	ev.Changes.Description, ok4 = c.Description.change(texts)
	ev.Changes.AssigneeIDs = c.Assignees.change()
	ev.Thread.Labels = quickLabelTitles(a.Labels) // LABEL_TRIGGER
	if c.Labels != nil {
		ev.Changes.Labels = &event.Change[[]string]{Previous: quickLabelTitles(c.Labels.Previous), Current: quickLabelTitles(c.Labels.Current)}
	}
	if kind == event.KindMergeRequest {
		ev.Changes.ReviewerIDs = c.Reviewers.change()
		if c.Draft != nil {
			ev.Changes.Draft = &event.Change[bool]{Previous: c.Draft.Previous, Current: c.Draft.Current}
		}
	}
	return ev, ok1 && ok2 && ok3 && ok4
}

func (c *quickTextChange) change(texts bool) (*event.Change[string], bool) {
	if c == nil {
		return nil, true
	}
	prev, ok1 := c.Previous.text(texts)
	cur, ok2 := c.Current.text(texts)
	return &event.Change[string]{Previous: prev, Current: cur}, ok1 && ok2
}

func (c *quickUsersChange) change() *event.Change[[]int64] {
	if c == nil {
		return nil
	}
	ids := func(us []quickUser) []int64 {
		out := make([]int64, 0, len(us))
		for _, u := range us {
			out = append(out, u.ID)
		}
		return out
	}
	return &event.Change[[]int64]{Previous: ids(c.Previous), Current: ids(c.Current)}
}

func (p quickProject) event() event.Project {
	return event.Project{ID: p.ID, Path: p.PathWithNamespace}
}

type quickLabel struct {
	Title string `json:"title"`
}

func quickLabelTitles(ls []quickLabel) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Title)
	}
	return out
}
