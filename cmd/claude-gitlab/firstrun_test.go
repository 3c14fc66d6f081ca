package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// serve starts without what jobs need and says so: one line each for the CLI, the credential,
// PUBLIC_URL and the sandbox, in the words doctor uses for the same problems.
func TestServeSaysAtStartWhatJobsWillLack(t *testing.T) {
	g, token := testGitLab(t)
	env := []string{"GITLAB_URL=" + g.URL(), "GITLAB_TOKEN=" + token, "WEBHOOK_SECRET=" + testSecret,
		"DATA_DIR=" + t.TempDir(), "CLAUDE_PATH=claude-not-installed-here", "AGENT_SANDBOX=none"}
	svc := startService(t, env...)
	doctorOut, _ := runCLIAt(t, t.TempDir(), env, "doctor")
	svc.sigterm()
	var said []string
	for _, line := range strings.Split(svc.logs.String(), "\n") {
		var rec struct{ Level, Msg, Fix string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Fix != "" && rec.Level == "WARN" {
			said = append(said, rec.Msg)
		}
	}
	for _, want := range []string{`✗ claude CLI: "claude-not-installed-here" not found on PATH`, "✗ Anthropic credential: none of",
		"! public endpoint: PUBLIC_URL is not set", "✗ agent sandbox: AGENT_SANDBOX=none"} {
		n := 0
		for _, s := range said {
			if strings.HasPrefix(s, want) {
				n++
				if !strings.Contains(doctorOut, s+"\n") {
					t.Errorf("serve said %q; doctor says it otherwise:\n%s", s, doctorOut)
				}
			}
		}
		if n != 1 {
			t.Errorf("serve said %q %d times, want once; it said %q", want, n, said)
		}
	}
}

// setup on a GitLab before 19.0 (its hook API has no token_present): the secret is written,
// doctor says it cannot tell rather than ✗, and setup succeeds when nothing else is wrong.
func TestSetupOnGitLabThatDoesNotSayTheSecret(t *testing.T) {
	// setup ends with doctor, whose sandbox checks fail without bubblewrap (skipped outside CI).
	needOwnNetwork(t)
	g, p, env := setupWorld(t) // the fake answers as GitLab 17.8
	dataDir := t.TempDir()
	svc := startService(t, "GITLAB_URL="+g.URL(), "GITLAB_TOKEN="+tokenOf(env), "WEBHOOK_SECRET="+testSecret, "DATA_DIR="+dataDir)
	env = append(env, "PUBLIC_URL="+svc.url, "WEBHOOK_SECRET="+testSecret, "DATA_DIR="+dataDir,
		"CLAUDE_PATH="+versionOnlyCLI(t), "ANTHROPIC_API_KEY=sk-fake-anthropic-key-for-tests")
	out, code := runCLIAt(t, t.TempDir(), env, "setup", "--project", "group/proj")
	if !strings.Contains(out, "- webhook secret: this GitLab does not say whether the hook has a secret") || strings.Contains(out, "\n✗ ") {
		t.Fatalf("setup (exit %d):\n%s", code, out)
	}
	if code != 0 {
		t.Fatalf("setup exit %d with nothing wrong:\n%s", code, out)
	}
	if h := g.Hooks(p.ID); len(h) != 1 || h[0].Token != testSecret {
		t.Fatalf("hooks: %+v", h)
	}
}

// versionOnlyCLI is a `claude` that only knows its version: all doctor asks of it.
func versionOnlyCLI(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "claude")
	if err := os.WriteFile(path, []byte("#!/bin/sh\necho '2.1.328 (Claude Code)'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func tokenOf(env []string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GITLAB_TOKEN="); ok {
			return v
		}
	}
	return ""
}

// Settings are taken as the README says, or refused with one line naming them: a duration needs
// a unit, a level is one of GitLab's, a *_FILE must be there; .env is read as dotenv files are.
func TestSettingsAreValidatedAtStart(t *testing.T) {
	base := []string{"GITLAB_TOKEN=token-for-tests", "WEBHOOK_SECRET=" + testSecret, "DATA_DIR=" + t.TempDir()}
	for _, c := range []struct{ setting, want string }{
		{"CLAUDE_TIMEOUT=20", `CLAUDE_TIMEOUT: "20" has no unit`},
		{"MIN_ACCESS_LEVEL=35", `MIN_ACCESS_LEVEL: "35" is not a GitLab access level`},
		{"GITLAB_TOKEN_FILE=/nonexistent/token", "GITLAB_TOKEN_FILE: cannot read /nonexistent/token"},
		{"CLAUDE_CODE_USE_BEDROCK=1", "CLAUDE_CODE_USE_BEDROCK: another model provider needs AGENT_NETWORK=full"},
		{"AGENT_NETWORK=anthropic-only", "AGENT_NETWORK"},
	} {
		out := runCLIErr(t, append(base, c.setting), "serve")
		if !strings.Contains(out, c.want) || strings.Count(strings.TrimSpace(out), "\n") != 0 {
			t.Errorf("serve with %s: want one line saying %q, got:\n%s", c.setting, c.want, out)
		}
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".env"), []byte("export DATA_DIR=./jobs-data # where the database lives\n"), 0o600)
	if out, code := runCLIAt(t, dir, nil, "jobs", "list"); code != 0 || !strings.Contains(out, "(no jobs)") {
		t.Fatalf("jobs list (exit %d):\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "jobs-data")); err != nil {
		t.Fatalf("DATA_DIR with a comment after it was not read as ./jobs-data: %v", err)
	}
}
