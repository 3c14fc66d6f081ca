package webhook_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/metrics"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/webhook"
	wt "gitlab.com/claude-gitlab/claude-gitlab/internal/webhook/webhooktest"
)

const secret = "s3cret-token-value"

// fakeQueue stores deliveries in memory and deduplicates by key, as the real queue promises.
type fakeQueue struct {
	mu      sync.Mutex
	keys    map[string]int64
	stored  []queue.Delivery
	calls   int
	failing bool
}

func (q *fakeQueue) Enqueue(_ context.Context, d queue.Delivery) (queue.Outcome, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.calls++
	if q.failing {
		return queue.Outcome{}, errors.New("database is locked")
	}
	for _, k := range d.Keys {
		if id, ok := q.keys[k]; ok {
			return queue.Outcome{JobID: id, Duplicate: true}, nil
		}
	}
	q.stored = append(q.stored, d)
	id := int64(len(q.stored))
	for _, k := range d.Keys {
		q.keys[k] = id
	}
	return queue.Outcome{JobID: id}, nil
}

func (q *fakeQueue) count() (calls, stored int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.calls, len(q.stored)
}

func (q *fakeQueue) setFailing(v bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.failing = v
}

type env struct {
	srv *httptest.Server
	q   *fakeQueue
	m   *metrics.Metrics
	log *bytes.Buffer
}

func newEnv(t *testing.T, cfg webhook.Config) *env {
	t.Helper()
	if cfg.Secret == "" {
		cfg.Secret = secret
	}
	if cfg.Rules == nil {
		cfg.Rules = func() trigger.Rules { return trigger.Rules{BotID: 99, BotUsername: "claude-bot"} }
	}
	e := &env{q: &fakeQueue{keys: map[string]int64{}}, m: metrics.New(), log: &bytes.Buffer{}}
	logger := slog.New(slog.NewJSONHandler(&syncWriter{w: e.log}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.srv = httptest.NewServer(webhook.New(cfg, e.q, e.m, logger))
	t.Cleanup(e.srv.Close)
	return e
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

type reply struct {
	status int
	header http.Header
	body   map[string]any
}

// send posts body with the usual GitLab headers; headers overrides or (with "") removes them.
func (e *env) send(t *testing.T, event string, body []byte, headers map[string]string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/webhook", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Gitlab-Event", event)
	req.Header.Set("X-Gitlab-Token", secret)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	r := reply{status: resp.StatusCode, header: resp.Header}
	if err := json.NewDecoder(resp.Body).Decode(&r.body); err != nil {
		t.Fatalf("answer is not JSON (status %d): %v", resp.StatusCode, err)
	}
	return r
}

var noteSeq atomic.Int64

// freshMention is a new note asking the bot, with its own note id and delivery key.
func freshMention(t *testing.T) ([]byte, map[string]string) {
	n := 5000 + noteSeq.Add(1)
	body := wt.Load(t, "note_issue.json").
		Set("object_attributes.id", n).
		Set("object_attributes.note", "@claude how does auth work?").Bytes(t)
	return body, map[string]string{"Idempotency-Key": "fresh-" + strconv.FormatInt(n, 10)}
}

// stillServes checks that a valid delivery after a bad one is queued as usual.
func (e *env) stillServes(t *testing.T) {
	t.Helper()
	body, h := freshMention(t)
	if r := e.send(t, "Note Hook", body, h); r.status != http.StatusAccepted || r.body["status"] != "queued" {
		t.Fatalf("valid delivery after a bad one: %d %v", r.status, r.body)
	}
}

func expect(t *testing.T, r reply, status int, key, value string) {
	t.Helper()
	if r.status != status || fmt.Sprint(r.body[key]) != value {
		t.Fatalf("got %d %v, want %d %s=%s", r.status, r.body, status, key, value)
	}
}

// mentionEdits put the phrase where each real payload would trigger, if it can trigger at all.
var mentionEdits = map[string]struct {
	edit   func(wt.Payload)
	status int
}{
	"issue_open.json":         {func(p wt.Payload) { p.Set("object_attributes.description", "@claude implement this") }, 202},
	"confidential_issue.json": {func(p wt.Payload) { p.Set("object_attributes.description", "@claude implement this") }, 202},
	"mr_open.json":            {func(p wt.Payload) { p.Set("object_attributes.description", "@claude review") }, 202},
	"mr_update.json": {func(p wt.Payload) {
		p.Set("changes.description", map[string]any{"previous": "", "current": "@claude rebase"})
	}, 202},
	"note_issue.json":   {func(p wt.Payload) { p.Set("object_attributes.note", "@claude why?") }, 202},
	"note_mr.json":      {func(p wt.Payload) { p.Set("object_attributes.note", "@claude review") }, 202},
	"note_commit.json":  {func(p wt.Payload) { p.Set("object_attributes.note", "@claude explain") }, 202},
	"note_snippet.json": {func(p wt.Payload) { p.Set("object_attributes.note", "@claude check") }, 202},
	// The two issue-note samples share note id 1241: another id keeps them two notes.
	"confidential_note.json": {func(p wt.Payload) { p.Set("object_attributes.note", "@claude look").Set("object_attributes.id", 2241) }, 202},
	"pipeline_success.json":  {func(p wt.Payload) { p.Set("commit.message", "@claude fix the build") }, 200},
	"wiki_page.json":         {func(p wt.Payload) { p.Set("object_attributes.content", "@claude edit me") }, 200},
	"push.json":              {func(p wt.Payload) { p.Set("commits.0", nil).Set("checkout_sha", "@claude") }, 200},
}

func TestEveryPayloadThroughHandler(t *testing.T) {
	e := newEnv(t, webhook.Config{})
	for _, file := range wt.Files(t) {
		header := wt.Headers[file]
		t.Run(file, func(t *testing.T) {
			r := e.send(t, header, wt.Raw(t, file), map[string]string{"Idempotency-Key": "plain-" + file})
			expect(t, r, http.StatusOK, "status", "ignored")

			m, ok := mentionEdits[file]
			if !ok {
				t.Fatalf("no mention case for %s", file)
			}
			p := wt.Load(t, file)
			m.edit(p)
			key := map[string]string{"Idempotency-Key": "mention-" + file}
			r = e.send(t, header, p.Bytes(t), key)
			if m.status == http.StatusOK {
				expect(t, r, http.StatusOK, "status", "ignored")
				return
			}
			expect(t, r, http.StatusAccepted, "status", "queued")
			again := e.send(t, header, p.Bytes(t), key)
			expect(t, again, http.StatusOK, "status", "duplicate")
			if again.body["job"] != r.body["job"] {
				t.Errorf("duplicate names job %v, first was %v", again.body["job"], r.body["job"])
			}
		})
	}
	if _, stored := e.q.count(); stored != 9 {
		t.Errorf("stored %d deliveries, want 9 (one per triggering payload)", stored)
	}
}

func TestQueuedRequestContent(t *testing.T) {
	e := newEnv(t, webhook.Config{})
	body := wt.Load(t, "note_mr.json").Set("object_attributes.note", "@claude review").
		Set("object_attributes.discussion_id", "d1").Bytes(t)
	r := e.send(t, "Note Hook", body, map[string]string{
		"X-Gitlab-Webhook-UUID": "hook-1", "X-Gitlab-Event-UUID": "ev-1"})
	expect(t, r, http.StatusAccepted, "status", "queued")
	d := e.q.stored[0]
	// GitLab makes both UUIDs anew for every request, retries included: only the object dedupes.
	if got := strings.Join(d.Keys, " "); got != "note:5:1244" {
		t.Errorf("keys = %q", got)
	}
	if !strings.Contains(e.log.String(), `"webhook_uuid":"hook-1"`) {
		t.Errorf("X-Gitlab-Webhook-UUID not logged: %s", e.log.String())
	}
	req := d.Request
	if req.Reason != trigger.ReasonMention || req.EventUUID != "ev-1" || req.DiscussionID != "d1" ||
		req.NoteID != 1244 || req.ThreadKey() != "5/merge_request/1" || req.ReceivedAt.IsZero() {
		t.Errorf("request = %+v", req)
	}
	if r.header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id")
	}
}

// A project hook and a group hook deliver the same note with different delivery keys.
func TestSameNoteFromTwoHooksIsDuplicate(t *testing.T) {
	e := newEnv(t, webhook.Config{})
	body := wt.Load(t, "note_issue.json").Set("object_attributes.note", "@claude hi").Bytes(t)
	first := e.send(t, "Note Hook", body, map[string]string{"Idempotency-Key": "project-hook"})
	expect(t, first, http.StatusAccepted, "status", "queued")
	second := e.send(t, "Note Hook", body, map[string]string{"Idempotency-Key": "group-hook"})
	expect(t, second, http.StatusOK, "status", "duplicate")
}

func TestToken(t *testing.T) {
	e := newEnv(t, webhook.Config{})
	body, _ := freshMention(t)
	for name, token := range map[string]string{"missing": "", "wrong": "guess", "prefix": secret[:5], "longer": secret + "x"} {
		r := e.send(t, "Note Hook", body, map[string]string{"X-Gitlab-Token": token})
		if r.status != http.StatusForbidden || r.body["error"] == nil {
			t.Errorf("%s token: %d %v", name, r.status, r.body)
		}
		e.stillServes(t)
	}
	if calls, stored := e.q.count(); calls != 4 || stored != 4 {
		t.Errorf("queue saw %d calls, %d stored; want only the 4 valid ones", calls, stored)
	}
	logs := e.log.String()
	if strings.Contains(logs, secret) || strings.Contains(logs, "guess") {
		t.Error("a token reached the log")
	}
	if !strings.Contains(logs, `"source":"127.0.0.1"`) || !strings.Contains(logs, " X-Gitlab-Token") {
		t.Errorf("forbidden deliveries not logged with source: %s", logs)
	}
	// One line per source and minute; the counter below counts every one.
	if n := strings.Count(logs, `"outcome":"forbidden"`); n != 1 {
		t.Errorf("%d lines for 4 forbidden deliveries from one source within a minute, want 1", n)
	}
	if got := counter(t, e.m, "Note Hook", "forbidden"); got != 4 {
		t.Errorf("forbidden counter = %v", got)
	}
}

func sign(key []byte, id, ts string, body []byte) string {
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%s.", id, ts)
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func TestSignature(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	e := newEnv(t, webhook.Config{SigningToken: "whsec_" + base64.StdEncoding.EncodeToString(key)})
	now := strconv.FormatInt(time.Now().Unix(), 10)
	stale := strconv.FormatInt(time.Now().Add(-6*time.Minute).Unix(), 10)
	future := strconv.FormatInt(time.Now().Add(6*time.Minute).Unix(), 10)
	tests := []struct {
		name   string
		sig    func(body []byte) (ts, sig string)
		status int
	}{
		{"good", func(b []byte) (string, string) { return now, sign(key, "msg_1", now, b) }, 202},
		{"good among several", func(b []byte) (string, string) {
			return now, "v1,AAAA " + sign([]byte("old key"), "msg_1", now, b) + " " + sign(key, "msg_1", now, b)
		}, 202},
		{"wrong key", func(b []byte) (string, string) { return now, sign([]byte("other"), "msg_1", now, b) }, 403},
		{"body changed", func(b []byte) (string, string) { return now, sign(key, "msg_1", now, append(b, ' ')) }, 403},
		{"stale timestamp", func(b []byte) (string, string) { return stale, sign(key, "msg_1", stale, b) }, 403},
		{"future timestamp", func(b []byte) (string, string) { return future, sign(key, "msg_1", future, b) }, 403},
		{"unknown version", func(b []byte) (string, string) { return now, "v2" + sign(key, "msg_1", now, b)[2:] }, 403},
		{"missing", func([]byte) (string, string) { return now, "" }, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, h := freshMention(t)
			ts, sig := tt.sig(body)
			h["webhook-id"], h["webhook-timestamp"], h["webhook-signature"] = "msg_1", ts, sig
			if r := e.send(t, "Note Hook", body, h); r.status != tt.status {
				t.Fatalf("status %d %v, want %d", r.status, r.body, tt.status)
			}
		})
	}
	if _, stored := e.q.count(); stored != 2 {
		t.Errorf("stored %d, want the 2 well-signed deliveries", stored)
	}
}

func TestTooLarge(t *testing.T) {
	e := newEnv(t, webhook.Config{})
	big := make([]byte, 30<<20)
	for i := range big {
		big[i] = ' '
	}
	copy(big, `{"object_kind":"note"}`)
	r := e.send(t, "Note Hook", big, nil)
	if r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("30 MB body: %d %v", r.status, r.body)
	}
	e.stillServes(t)

	small := newEnv(t, webhook.Config{MaxPayloadBytes: 1000})
	body, h := freshMention(t) // ~2.8 kB
	if r := small.send(t, "Note Hook", body, h); r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("body over a small limit: %d", r.status)
	}
}

// A body over the limit without Content-Length is cut off while read.
func TestTooLargeChunked(t *testing.T) {
	e := newEnv(t, webhook.Config{MaxPayloadBytes: 1000})
	body, _ := freshMention(t)
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL, io.MultiReader(bytes.NewReader(body)))
	req.Header.Set("X-Gitlab-Event", "Note Hook")
	req.Header.Set("X-Gitlab-Token", secret)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || req.ContentLength != 0 {
		t.Fatalf("chunked body over the limit: %d", resp.StatusCode)
	}
}

func TestBadRequests(t *testing.T) {
	e := newEnv(t, webhook.Config{})
	note := wt.Raw(t, "note_issue.json")
	tests := []struct {
		name, event string
		body        []byte
		status      int
		key, value  string
	}{
		{"malformed JSON", "Note Hook", note[:100], 400, "error", ""},
		{"missing event header", "", note, 400, "error", ""},
		{"empty body", "Note Hook", nil, 400, "error", ""},
		{"unknown event", "Frobnicate Hook", note, 200, "status", "ignored"},
		{"known but unhandled event", "Member Hook", []byte(`{"event_name":"user_add_to_group"}`), 200, "status", "ignored"},
		{"note on a design", "Note Hook", wt.Load(t, "note_issue.json").
			Set("object_attributes.noteable_type", "DesignManagement::Design").
			Set("object_attributes.note", "@claude").Bytes(t), 200, "status", "ignored"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.send(t, tt.event, tt.body, map[string]string{"X-Gitlab-Event": tt.event})
			if r.status != tt.status || r.body[tt.key] == nil || (tt.value != "" && r.body[tt.key] != tt.value) {
				t.Fatalf("got %d %v", r.status, r.body)
			}
			e.stillServes(t)
		})
	}
	resp, err := e.srv.Client().Get(e.srv.URL + "/webhook")
	if err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
}

// GitLab's "Test → Push events" button sends a push payload: it must succeed.
func TestGitLabTestButton(t *testing.T) {
	e := newEnv(t, webhook.Config{})
	r := e.send(t, "Push Hook", wt.Raw(t, "push.json"), map[string]string{"User-Agent": "GitLab/17.5.0"})
	expect(t, r, http.StatusOK, "status", "ignored")
	if !strings.Contains(fmt.Sprint(r.body["reason"]), "Push Hook") {
		t.Errorf("reason %v", r.body["reason"])
	}
}

func TestIgnoredReasons(t *testing.T) {
	e := newEnv(t, webhook.Config{})
	bot := wt.Load(t, "note_issue.json").Set("object_attributes.note", "@claude done").Set("user.id", 99).Bytes(t)
	r := e.send(t, "Note Hook", bot, nil)
	expect(t, r, http.StatusOK, "reason", "the bot's own note")
	edited := wt.Load(t, "note_issue.json").Set("object_attributes.note", "@claude").
		Set("object_attributes.action", "update").Bytes(t)
	r = e.send(t, "Note Hook", edited, nil)
	if r.status != http.StatusOK || !strings.Contains(fmt.Sprint(r.body["reason"]), "edited") {
		t.Errorf("edited note: %d %v", r.status, r.body)
	}
	if calls, _ := e.q.count(); calls != 0 {
		t.Errorf("queue called %d times for ignored events", calls)
	}
}

func TestEnqueueFailure(t *testing.T) {
	e := newEnv(t, webhook.Config{})
	e.q.setFailing(true)
	body, h := freshMention(t)
	r := e.send(t, "Note Hook", body, h)
	if r.status != http.StatusServiceUnavailable || r.body["error"] == nil {
		t.Fatalf("enqueue failure: %d %v", r.status, r.body)
	}
	if !strings.Contains(e.log.String(), "database is locked") {
		t.Error("enqueue error not logged")
	}
	e.q.setFailing(false)
	// GitLab's resend of the same delivery goes through once the store is back.
	expect(t, e.send(t, "Note Hook", body, h), http.StatusAccepted, "status", "queued")
}

// The per-address limit meets only deliveries that fail authentication: GitLab sends every
// project's hooks from a few addresses and switches a hook off after a few 4xx answers.
func TestRateLimitOnlyForFailedAuthentication(t *testing.T) {
	e := newEnv(t, webhook.Config{RatePerSecond: 1}) // burst 2
	for i := range 20 {
		body, h := freshMention(t)
		if r := e.send(t, "Note Hook", body, h); r.status != http.StatusAccepted {
			t.Fatalf("authenticated delivery %d: %d %v", i, r.status, r.body)
		}
	}
	body, _ := freshMention(t)
	wrong := map[string]string{"X-Gitlab-Token": "guess"}
	for i := range 2 {
		if r := e.send(t, "Note Hook", body, wrong); r.status != http.StatusForbidden {
			t.Fatalf("wrong token %d within burst: %d", i, r.status)
		}
	}
	r := e.send(t, "Note Hook", body, wrong)
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("wrong token over burst: %d %v", r.status, r.body)
	}
	if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 || s > 2 {
		t.Errorf("Retry-After = %q", r.header.Get("Retry-After"))
	}
	e.stillServes(t) // the source's failures do not limit its authenticated deliveries
	if got := counter(t, e.m, "Note Hook", "rate_limited"); got != 1 {
		t.Errorf("rate_limited counter = %v", got)
	}

	off := newEnv(t, webhook.Config{RatePerSecond: 0})
	for range 20 {
		off.stillServes(t)
	}
}

func counter(t *testing.T, m *metrics.Metrics, labels ...string) float64 {
	t.Helper()
	var pb dto.Metric
	if err := m.Webhooks.WithLabelValues(labels...).Write(&pb); err != nil {
		t.Fatal(err)
	}
	return pb.GetCounter().GetValue()
}

func series(t *testing.T, m *metrics.Metrics, name string) int {
	t.Helper()
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			return len(f.GetMetric())
		}
	}
	return 0
}

func TestMetricsAndLogKeys(t *testing.T) {
	e := newEnv(t, webhook.Config{})
	e.stillServes(t)
	e.send(t, "Push Hook", wt.Raw(t, "push.json"), nil)
	e.send(t, "Made Up Hook", wt.Raw(t, "push.json"), nil)
	if got := counter(t, e.m, "Note Hook", "queued"); got != 1 {
		t.Errorf("queued counter = %v", got)
	}
	if got := counter(t, e.m, "other", "ignored"); got != 1 {
		t.Errorf("unknown header counter = %v", got)
	}
	if n := series(t, e.m, "claude_gitlab_webhook_duration_seconds"); n != 2 {
		t.Errorf("latency series = %d, want queued and ignored", n)
	}
	var line map[string]any
	first := strings.SplitN(e.log.String(), "\n", 2)[0]
	if err := json.Unmarshal([]byte(first), &line); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"request_id", "event", "event_uuid", "project", "iid", "outcome", "reason", "job"} {
		if _, ok := line[k]; !ok {
			t.Errorf("log line lacks %q: %s", k, first)
		}
	}
}
