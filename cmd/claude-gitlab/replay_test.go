package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/webhook/webhooktest"
)

// replay sends a payload file with GitLab's headers: a mention is queued, the same key again is a
// duplicate, a wrong event name is told as GitLab would see it.
func TestReplaySendsWithGitLabHeaders(t *testing.T) {
	g, token := testGitLab(t)
	s := startService(t, "GITLAB_URL="+g.URL(), "GITLAB_TOKEN="+token, "WEBHOOK_SECRET="+testSecret, "DATA_DIR="+t.TempDir())
	file := filepath.Join(t.TempDir(), "note.json")
	os.WriteFile(file, mentionNote(t, 4242, "@claude replayed"), 0o644)
	env := []string{"WEBHOOK_SECRET=" + testSecret}

	out := runCLI(t, env, "replay", file, "--event", "Note Hook", "--url", s.url+"/webhook", "--idempotency-key", "same")
	if !strings.Contains(out, "202") || !strings.Contains(out, `"queued"`) {
		t.Fatalf("first replay: %s", out)
	}
	out = runCLI(t, env, "replay", file, "--event", "Note Hook", "--url", s.url+"/webhook", "--idempotency-key", "same")
	if !strings.Contains(out, "200") || !strings.Contains(out, `"duplicate"`) {
		t.Fatalf("second replay: %s", out)
	}
	out = runCLIErr(t, []string{"WEBHOOK_SECRET=wrong"}, "replay", file, "--event", "Note Hook", "--url", s.url+"/webhook")
	if !strings.Contains(out, "403") {
		t.Fatalf("wrong secret: %s", out)
	}
}

// Without --event, GitLab's real payloads say their event by object_kind (and confidential
// ones by event_type or their confidential field).
func TestReplayEventFromRealPayloads(t *testing.T) {
	dir := webhooktest.Dir(t)
	for file, want := range webhooktest.Headers {
		if file == "confidential_issue.json" {
			continue // that sample carries no confidential field: only GitLab's header tells
		}
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := eventOf(b); err != nil || got != want {
			t.Errorf("%s: %q %v, want %q", file, got, err, want)
		}
	}
}

// replay without --event and with a --url lacking /webhook: the event comes from the payload,
// /webhook is added and the command says so, instead of a bare 404.
func TestReplayReadsTheEventAndFindsTheWebhookPath(t *testing.T) {
	g, token := testGitLab(t)
	s := startService(t, "GITLAB_URL="+g.URL(), "GITLAB_TOKEN="+token, "WEBHOOK_SECRET="+testSecret, "DATA_DIR="+t.TempDir())
	file := filepath.Join(t.TempDir(), "note.json")
	os.WriteFile(file, mentionNote(t, 4243, "@claude replayed"), 0o644)
	out := runCLI(t, []string{"WEBHOOK_SECRET=" + testSecret}, "replay", file, "--url", s.url)
	if !strings.Contains(out, "event: Note Hook (from the payload)") || !strings.Contains(out, "has no /webhook path: sending to "+s.url+"/webhook") ||
		!strings.Contains(out, "202") {
		t.Fatalf("replay without --event and /webhook:\n%s", out)
	}
	os.WriteFile(file, []byte(`{"no":"kind"}`), 0o644)
	if out := runCLIErr(t, nil, "replay", file, "--url", s.url); !strings.Contains(out, "no object_kind: give --event") {
		t.Fatalf("a payload without object_kind:\n%s", out)
	}
}

// Help: a command's own flags and the settings it reads, not the whole table; the whole table
// with `help settings`; an unknown command said in the first line.
func TestHelpIsPerCommand(t *testing.T) {
	out := runCLI(t, nil, "version", "--help")
	if strings.Count(out, "\n") > 8 || !strings.Contains(out, "reads no settings") {
		t.Fatalf("version --help:\n%s", out)
	}
	out = runCLI(t, nil, "jobs", "--help")
	if !strings.Contains(out, "-state") || !strings.Contains(out, "DATA_DIR") || strings.Contains(out, "CLAUDE_TIMEOUT") {
		t.Fatalf("jobs --help:\n%s", out)
	}
	all := runCLI(t, nil, "help", "settings")
	for _, name := range []string{"GITLAB_URL", "CLAUDE_TIMEOUT", "JOB_GIVE_UP", "ANTHROPIC_MODEL", "PROJECT_DAILY_BUDGET_USD"} {
		if !strings.Contains(all, name) {
			t.Errorf("help settings lacks %s", name)
		}
	}
	if top := runCLI(t, nil, "--help"); strings.Contains(top, "CLAUDE_TIMEOUT") || !strings.Contains(top, "help settings") {
		t.Fatalf("--help:\n%s", top)
	}
	bad := runCLIErr(t, nil, "srve")
	if first, _, _ := strings.Cut(bad, "\n"); first != `claude-gitlab: unknown command "srve"` {
		t.Fatalf("unknown command, first line %q:\n%s", first, bad)
	}
}
