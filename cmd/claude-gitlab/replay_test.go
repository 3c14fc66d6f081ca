package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
