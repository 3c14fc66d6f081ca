// Package webhook receives GitLab webhook deliveries: it verifies them, parses GitLab's JSON into
// our own event type and hands triggers to the queue. GitLab's types stop here.
package webhook

import (
	"encoding/json"
	"errors"
	"fmt"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
)

// ErrMissingEvent means the X-Gitlab-Event header was absent: not a GitLab delivery (400).
var ErrMissingEvent = errors.New("missing X-Gitlab-Event header")

// ErrMalformed means the body is not a payload of the announced event (400).
var ErrMalformed = errors.New("malformed payload")

// UnhandledEventError is a delivery we do not parse: a header we do not know (GitLab adds hooks
// over time), a system hook, or a note on something other than an issue, MR, commit or snippet.
// It is not the sender's fault, so the handler answers 200 ignored: a 4xx would count as a
// failure and make GitLab disable the hook.
type UnhandledEventError struct {
	Event  string // the X-Gitlab-Event header
	Detail string
}

func (e *UnhandledEventError) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("unhandled event %q", e.Event)
	}
	return fmt.Sprintf("unhandled event %q: %s", e.Event, e.Detail)
}

// hookKinds are the webhook headers client-go's ParseWebhook understands, with the kind an event
// gets when its payload cannot be fully decoded. "Service Hook" carries push, tag push or merge
// request payloads; the parsed type decides.
var hookKinds = map[string]event.Kind{
	"Issue Hook":                 event.KindIssue,
	"Confidential Issue Hook":    event.KindIssue,
	"Merge Request Hook":         event.KindMergeRequest,
	"Note Hook":                  event.KindNote,
	"Confidential Note Hook":     event.KindNote,
	"Pipeline Hook":              event.KindPipeline,
	"Job Hook":                   event.KindJob,
	"Build Hook":                 event.KindJob,
	"Wiki Page Hook":             event.KindWikiPage,
	"Push Hook":                  event.KindPush,
	"Tag Push Hook":              event.KindTagPush,
	"Emoji Hook":                 event.KindEmoji,
	"Release Hook":               event.KindRelease,
	"Deployment Hook":            event.KindDeployment,
	"Member Hook":                event.KindMember,
	"Feature Flag Hook":          event.KindOther,
	"Milestone Hook":             event.KindOther,
	"Project Hook":               event.KindOther,
	"Subgroup Hook":              event.KindOther,
	"Resource Access Token Hook": event.KindOther,
	"Vulnerability Hook":         event.KindOther,
	"Service Hook":               event.KindOther,
}

// Parse turns one delivery into our event type. eventHeader is the X-Gitlab-Event header.
func Parse(eventHeader string, body []byte) (event.Event, error) {
	if isNoteHook(eventHeader) {
		return parseNote(eventHeader, body) // convert_note.go: one decode
	}
	x, err := precheck(eventHeader, body)
	if err != nil {
		return event.Event{}, err
	}
	v, err := decode(eventHeader, x, body)
	if err != nil {
		return event.Event{}, fmt.Errorf("parse %s: %w: %w", eventHeader, ErrMalformed, err)
	}
	ev := convert(v, x, hookKinds[eventHeader])
	ev.HookName = eventHeader
	ev.Confidential = ev.Confidential || isConfidentialHook(eventHeader)
	return ev, nil
}

// precheck sorts out what client-go would refuse in ways the handler must answer differently:
// no header (400), not JSON (400), an event we do not parse (200 ignored). Note hooks have their
// own (parseNote).
func precheck(header string, body []byte) (extras, error) {
	if header == "" {
		return extras{}, ErrMissingEvent
	}
	if !isObject(body) {
		return extras{}, fmt.Errorf("parse %s: %w: not a JSON object", header, ErrMalformed)
	}
	x, err := decodeExtras(body) // validates the whole body, as json.Unmarshal does first
	if err != nil {
		return extras{}, fmt.Errorf("parse %s: %w: not a JSON object: %w", header, ErrMalformed, err)
	}
	if _, known := hookKinds[header]; !known {
		return extras{}, &UnhandledEventError{Event: header}
	}
	return x, nil
}

// decode parses with client-go. When a field's type differs from what client-go expects (GitLab
// changes payloads over time), the events we act on are decoded again, skipping that field:
// answering 400 to a real delivery would get the hook disabled.
func decode(header string, x extras, body []byte) (any, error) {
	var typeErr *json.UnmarshalTypeError
	if target := lenientTarget(header); target != nil {
		if err := json.Unmarshal(body, target); err != nil && !errors.As(err, &typeErr) {
			return nil, err
		}
		return target, nil
	}
	v, err := gitlab.ParseWebhook(gitlab.EventType(header), body)
	if err == nil || !errors.As(err, &typeErr) {
		return v, err
	}
	return x, nil // not an event we act on: the extras say enough
}

// lenientTarget is the client-go type ParseWebhook would fill for the events we act on (notes:
// parseNote).
func lenientTarget(header string) any {
	switch header {
	case "Issue Hook", "Confidential Issue Hook":
		return &gitlab.IssueEvent{}
	case "Merge Request Hook":
		return &gitlab.MergeEvent{}
	}
	return nil
}

// isObject reports whether valid JSON is an object, as every GitLab payload is.
func isObject(body []byte) bool {
	for _, b := range body {
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return b == '{'
	}
	return false
}

func isNoteHook(header string) bool {
	return header == "Note Hook" || header == "Confidential Note Hook"
}

func isConfidentialHook(header string) bool {
	return header == "Confidential Note Hook" || header == "Confidential Issue Hook"
}
