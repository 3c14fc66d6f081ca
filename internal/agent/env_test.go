package agent_test

import (
	"slices"
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
)

// envOf parses the fake's env dump (NAME=VALUE lines).
func envOf(dump string) map[string]string {
	env := map[string]string{}
	for _, line := range strings.Split(dump, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			env[k] = v
		}
	}
	return env
}

// The CLI sees only what Run gives it: none of the service's variables, whatever they are.
func TestRunEnvironmentIsMinimal(t *testing.T) {
	t.Setenv("CLAUDE_GITLAB_TEST_CANARY", "secret-canary-123")
	t.Setenv("GITLAB_TOKEN", "fakepat-fake-canary")
	t.Setenv("WEBHOOK_SECRET", "whsec-fake-canary")
	r := runFake(t, "FAKE_CLAUDE env", func(c *agent.Config, q *agent.Request) {
		c.Env = append(c.Env, "ANTHROPIC_BASE_URL=http://127.0.0.1:9", "CLAUDE_CODE_MAX_RETRIES=0")
	})
	if r.err != nil {
		t.Fatalf("Run: %v", r.err)
	}
	for _, canary := range []string{"secret-canary-123", "fakepat-fake-canary", "whsec-fake-canary", fakeKey} {
		if strings.Contains(r.res.Text, canary) {
			t.Errorf("the answer shows %q:\n%s", canary, r.res.Text)
		}
	}
	allowed := append([]string{"PATH", "HOME", "CLAUDE_CONFIG_DIR", "TMPDIR", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
		"DISABLE_AUTOUPDATER", "LANG"}, agent.AllowedEnv()...)
	env := envOf(r.res.Text)
	for name := range env {
		if !slices.Contains(allowed, name) {
			t.Errorf("the CLI got %s", name)
		}
	}
	want := map[string]string{
		"ANTHROPIC_API_KEY":                        "[REDACTED]", // passed, and hidden from the answer
		"ANTHROPIC_BASE_URL":                       "[REDACTED]",
		"CLAUDE_CODE_MAX_RETRIES":                  "0",
		"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
		"DISABLE_AUTOUPDATER":                      "1",
		"LANG":                                     "C.UTF-8",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	if home := env["HOME"]; home == "" || env["CLAUDE_CONFIG_DIR"] != home+"/.claude" || env["TMPDIR"] != home+"/tmp" {
		t.Errorf("HOME = %q, CLAUDE_CONFIG_DIR = %q, TMPDIR = %q", home, env["CLAUDE_CONFIG_DIR"], env["TMPDIR"])
	}
	if !strings.HasPrefix(env["PATH"], "/usr/local/bin:/usr/bin:/bin") {
		t.Errorf("PATH = %q", env["PATH"])
	}
}

// Secrets never reach errors, stderr tails or progress, even when the CLI prints them.
func TestRunRedactsSecretsFromErrors(t *testing.T) {
	r := runFake(t, "FAKE_CLAUDE stderr using key "+fakeKey+"\nFAKE_CLAUDE crash", nil)
	if r.err == nil {
		t.Fatal("want an error")
	}
	for _, s := range []string{r.err.Error(), r.res.StderrTail} {
		if strings.Contains(s, fakeKey) {
			t.Errorf("secret in %q", s)
		}
	}
	if !strings.Contains(r.res.StderrTail, "using key [REDACTED]") {
		t.Errorf("stderr tail = %q", r.res.StderrTail)
	}
}
