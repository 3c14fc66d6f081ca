package fakegitlab

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// hookSubscribes says whether a hook's settings take an event, and the trigger name GitLab
// lists the delivery under.
func hookSubscribes(h *hook, event string) (bool, string) {
	switch event {
	case EventNote:
		return h.NoteEvents, "note_hooks"
	case EventConfidentialNote:
		return h.ConfidentialNoteEvents, "confidential_note_hooks"
	case EventIssue:
		return h.IssuesEvents, "issue_hooks"
	case EventConfidentialIssue:
		return h.ConfidentialIssuesEvents, "confidential_issue_hooks"
	case EventMergeRequest:
		return h.MergeRequestsEvents, "merge_request_hooks"
	case "Push Hook":
		return h.PushEvents, "push_hooks"
	case "Pipeline Hook":
		return h.PipelineEvents, "pipeline_hooks"
	case "Wiki Page Hook":
		return h.WikiPageEvents, "wiki_page_hooks"
	case "Emoji Hook":
		return h.EmojiEvents, "emoji_hooks"
	}
	return false, ""
}

// Deliver sends a payload to every hook of the project that subscribes to the event, with the
// headers GitLab sets (X-Gitlab-Event, X-Gitlab-Token, Idempotency-Key, X-Gitlab-Event-UUID,
// X-Gitlab-Webhook-UUID, X-Gitlab-Instance, User-Agent), and records each delivery under the
// hook's recent events. A receiver that fails is recorded, not returned as an error.
func (g *GitLab) Deliver(ctx context.Context, projectID int64, event string, payload []byte) []HookEvent {
	g.mu.Lock()
	type target struct {
		hookID  int64
		url     string
		headers map[string]string
		trigger string
	}
	var targets []target
	eventUUID := newUUID()
	for _, h := range g.mustProject(projectID).hooks {
		if ok, trigger := hookSubscribes(h, event); ok {
			headers := map[string]string{
				"Content-Type": "application/json", "User-Agent": "GitLab/" + g.opts.Version,
				"X-Gitlab-Event": event, "X-Gitlab-Instance": g.URL(), "X-Gitlab-Event-UUID": eventUUID,
				"X-Gitlab-Webhook-UUID": newUUID(), // new for every request, as GitLab makes it
				"Idempotency-Key":       newUUID(),
			}
			g.deliveryHeaders(h, headers, payload)
			if h.token != "" {
				headers["X-Gitlab-Token"] = h.token
			}
			targets = append(targets, target{h.ID, h.URL, headers, trigger})
		}
	}
	g.mu.Unlock()
	var out []HookEvent
	for _, t := range targets {
		e := post(ctx, t.url, t.headers, payload)
		e.Trigger = t.trigger
		out = append(out, g.recordDelivery(projectID, t.hookID, e))
	}
	return out
}

// Redeliver resends a recorded delivery with its original headers, Idempotency-Key included,
// as "Resend request" in GitLab's UI does.
func (g *GitLab) Redeliver(ctx context.Context, projectID, hookID, eventID int64) (HookEvent, error) {
	g.mu.Lock()
	var orig *HookEvent
	for _, h := range g.mustProject(projectID).hooks {
		for _, e := range h.events {
			if h.ID == hookID && e.ID == eventID {
				orig = e
			}
		}
	}
	g.mu.Unlock()
	if orig == nil {
		return HookEvent{}, fmt.Errorf("fakegitlab: no delivery %d of hook %d", eventID, hookID)
	}
	headers := orig.RequestHeaders
	if !g.atLeast(sinceIdempotencyKey) { // no stable key yet: a resend is a new request
		headers = map[string]string{}
		for k, v := range orig.RequestHeaders {
			headers[k] = v
		}
		headers["X-Gitlab-Webhook-UUID"], headers["X-Gitlab-Event-UUID"] = newUUID(), newUUID()
	}
	e := post(ctx, orig.URL, headers, []byte(orig.RequestData))
	e.Trigger = orig.Trigger
	return g.recordDelivery(projectID, hookID, e), nil
}

func (g *GitLab) recordDelivery(projectID, hookID int64, e HookEvent) HookEvent {
	g.mu.Lock()
	defer g.mu.Unlock()
	e.ID, e.CreatedAt = g.st.nextID("hook_event"), g.now()
	for _, h := range g.mustProject(projectID).hooks {
		if h.ID == hookID {
			h.events = append(h.events, &e)
			g.noteDeliveryResult(h, e.ResponseStatus)
		}
	}
	return e
}

// post makes one delivery with GitLab's 10-second patience.
func post(ctx context.Context, url string, headers map[string]string, body []byte) HookEvent {
	e := HookEvent{URL: url, RequestHeaders: headers, RequestData: string(body), ResponseStatus: "internal error"}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		e.ResponseBody = err.Error()
		return e
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	e.ExecutionDuration = time.Since(start).Seconds()
	if err != nil {
		e.ResponseBody = err.Error()
		return e
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	e.ResponseStatus, e.ResponseBody = strconv.Itoa(resp.StatusCode), string(b)
	e.ResponseHeaders = map[string]string{}
	for k := range resp.Header {
		e.ResponseHeaders[k] = resp.Header.Get(k)
	}
	return e
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
