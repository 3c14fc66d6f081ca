package config

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func lookupFrom(m map[string]string) Lookup {
	return func(n string) (string, bool) { v, ok := m[n]; return v, ok }
}

func TestDefaults(t *testing.T) {
	cfg, err := Load(lookupFrom(nil), "", false)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.GitLabURL != "https://gitlab.com" || cfg.ListenAddr != ":3000" || cfg.Workers != 2 ||
		cfg.TriggerPhrase != "@claude" || cfg.MinAccessLevel != 30 || cfg.BranchPrefix != "claude/" ||
		cfg.MaxPayloadBytes != 26214400 || cfg.WebhookRateLimit != 100 || cfg.GitLabRateLimit != 2000 ||
		cfg.ClaudeTimeout != 20*time.Minute || cfg.ShutdownTimeout != 10*time.Minute || cfg.DataDir != "./data" {
		t.Fatalf("defaults: %+v", cfg)
	}
	if len(cfg.ClaudeAllowedTools) == 0 || cfg.ClaudeAllowedTools[0] != "Read" {
		t.Fatalf("allowed tools: %v", cfg.ClaudeAllowedTools)
	}
}

func TestEnvFileAndRealEnvWins(t *testing.T) {
	dir := t.TempDir()
	env := filepath.Join(dir, ".env")
	os.WriteFile(env, []byte("# comment\nexport GITLAB_TOKEN=\"from-file-token\"\nWEBHOOK_SECRET='file-secret-0123456789abcdef012345'\nPORT=4000\nGITLAB_BASE_URL=https://git.example.com/\n"), 0o600)
	cfg, err := Load(lookupFrom(map[string]string{"PORT": "5000"}), env, true)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.GitLabToken != "from-file-token" || cfg.WebhookSecret != "file-secret-0123456789abcdef012345" {
		t.Fatalf("file values not read: %+v", cfg)
	}
	if cfg.ListenAddr != ":5000" {
		t.Fatalf("real env must win: %s", cfg.ListenAddr)
	}
	if cfg.GitLabURL != "https://git.example.com" {
		t.Fatalf("GITLAB_BASE_URL alias: %s", cfg.GitLabURL)
	}
	if cfg.EnvFile != env {
		t.Fatalf("EnvFile = %q", cfg.EnvFile)
	}
}

func TestSecretFromFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "tok")
	os.WriteFile(f, []byte("tok-from-file\n"), 0o600)
	cfg, err := Load(lookupFrom(map[string]string{"GITLAB_TOKEN_FILE": f, "WEBHOOK_SECRET": "s-0123456789abcdef0123456789abcdef"}), "", true)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.GitLabToken != "tok-from-file" || cfg.GitLabTokenFile != f {
		t.Fatalf("token file: %q %q", cfg.GitLabToken, cfg.GitLabTokenFile)
	}
}

func TestInvalidSettingsNameTheSetting(t *testing.T) {
	base := map[string]string{"GITLAB_TOKEN": "t", "WEBHOOK_SECRET": "s-0123456789abcdef0123456789abcdef"}
	cases := map[string]string{
		"WORKERS":           "zero",
		"MIN_ACCESS_LEVEL":  "99",
		"GITLAB_USE_MR":     "maybe",
		"CLAUDE_TIMEOUT":    "soon",
		"GITLAB_URL":        "gitlab.example.com",
		"PUBLIC_URL":        "ftp://x",
		"LOG_LEVEL":         "loud",
		"DATABASE_URL":      "mysql://x",
		"LISTEN_ADDR":       "3000",
		"PORT":              "70000",
		"MAX_PAYLOAD_BYTES": "12",
		"GITLAB_TOKEN_FILE": "/nonexistent/token",
		"JOB_GIVE_UP":       "forever",
	}
	for name, val := range cases {
		t.Run(name, func(t *testing.T) {
			m := map[string]string{name: val}
			for k, v := range base {
				if k != strings.TrimSuffix(name, "_FILE") {
					m[k] = v
				}
			}
			_, err := Load(lookupFrom(m), "", true)
			if err == nil || !strings.HasPrefix(err.Error(), name) {
				t.Fatalf("want an error naming %s, got %v", name, err)
			}
		})
	}
	for _, missing := range []string{"GITLAB_TOKEN", "WEBHOOK_SECRET"} {
		m := map[string]string{"GITLAB_TOKEN": "t", "WEBHOOK_SECRET": "s-0123456789abcdef0123456789abcdef", "INTAKE": "webhook"}
		delete(m, missing)
		if _, err := Load(lookupFrom(m), "", true); err == nil || !strings.HasPrefix(err.Error(), missing) {
			t.Fatalf("missing %s: %v", missing, err)
		}
	}
}

// What the README promises: levels from GitLab's set, durations with a unit, a *_FILE that is
// there, whatever else is set.
func TestSettingsAcceptedOnlyAsDocumented(t *testing.T) {
	for _, tc := range []struct{ name, val, want string }{
		{"MIN_ACCESS_LEVEL", "35", "not a GitLab access level"},
		{"MIN_ACCESS_LEVEL", "60", "not a GitLab access level"},
		{"CLAUDE_TIMEOUT", "20", `"20" has no unit`},
		{"SHUTDOWN_TIMEOUT", "600", `"600" has no unit`},
		{"GITLAB_TOKEN_FILE", "/nonexistent/token", "GITLAB_TOKEN is set too"},
		{"WEBHOOK_SECRET_FILE", "/nonexistent/secret", "WEBHOOK_SECRET is set too"},
	} {
		m := map[string]string{"GITLAB_TOKEN": "t", "WEBHOOK_SECRET": "s", tc.name: tc.val}
		_, err := Load(lookupFrom(m), "", true)
		if err == nil || !strings.HasPrefix(err.Error(), tc.name+":") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s=%s: want an error naming it and saying %q, got %v", tc.name, tc.val, tc.want, err)
		}
	}
	for _, level := range []string{"0", "5", "10", "15", "20", "30", "40", "50"} {
		cfg, err := Load(lookupFrom(map[string]string{"MIN_ACCESS_LEVEL": level}), "", false)
		if err != nil || strconv.Itoa(cfg.MinAccessLevel) != level {
			t.Errorf("MIN_ACCESS_LEVEL=%s: %d %v", level, cfg.MinAccessLevel, err)
		}
	}
}

// .env in the common dotenv format: comments after a value, quotes, export; the real
// environment still wins.
func TestEnvFileIsReadAsDotenv(t *testing.T) {
	env := filepath.Join(t.TempDir(), ".env")
	os.WriteFile(env, []byte(`# the service
export GITLAB_TOKEN=tok-from-file # the bot's token
AGENT_SANDBOX=none # only on a laptop
BRANCH_PREFIX="bot/ #1" # a hash inside quotes stays
TRIGGER_PHRASE='@bot $HOME'
CLAUDE_TIMEOUT=5m
`), 0o600)
	cfg, err := Load(lookupFrom(map[string]string{"CLAUDE_TIMEOUT": "7m"}), env, false)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.GitLabToken != "tok-from-file" || cfg.AgentSandbox != "none" || cfg.BranchPrefix != "bot/ #1" ||
		cfg.TriggerPhrase != "@bot $HOME" || cfg.ClaudeTimeout != 7*time.Minute {
		t.Fatalf("token %q sandbox %q prefix %q phrase %q timeout %s", cfg.GitLabToken, cfg.AgentSandbox, cfg.BranchPrefix, cfg.TriggerPhrase, cfg.ClaudeTimeout)
	}
	os.WriteFile(env, []byte("GITLAB_TOKEN\n"), 0o600)
	if _, err := Load(lookupFrom(nil), env, false); err == nil || !strings.Contains(err.Error(), env) {
		t.Fatalf("a broken .env: %v, want an error naming the file", err)
	}
}

func TestAgentEnvHoldsOnlyAnthropicSettings(t *testing.T) {
	cfg, err := Load(lookupFrom(map[string]string{"ANTHROPIC_API_KEY": "sk-test", "GITLAB_TOKEN": "t", "HOME": "/root"}), "", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.AgentEnv) != 1 || cfg.AgentEnv[0] != "ANTHROPIC_API_KEY=sk-test" {
		t.Fatalf("AgentEnv = %v", cfg.AgentEnv)
	}
	secrets := strings.Join(cfg.Secrets(), ",")
	if !strings.Contains(secrets, "sk-test") || !strings.Contains(secrets, "t") {
		t.Fatalf("Secrets = %v", cfg.Secrets())
	}
}

func TestSandboxSettings(t *testing.T) {
	cfg, err := Load(lookupFrom(nil), "", false)
	if err != nil {
		t.Fatal(err)
	}
	sb := cfg.Sandbox()
	if sb.Mode != "" || sb.User != "claude-agent" || sb.Network != "model" || sb.Limits.MemoryMB != 4096 ||
		sb.Limits.CPUSeconds != 3600 || sb.Limits.MaxProcs != 512 || sb.Limits.DiskMB != 2048 || sb.DataDir != "./data" {
		t.Fatalf("defaults: %+v", sb)
	}
	dir := t.TempDir()
	tok, secret := filepath.Join(dir, "tok"), filepath.Join(dir, "secret")
	os.WriteFile(tok, []byte("t"), 0o600)
	os.WriteFile(secret, []byte("s-0123456789abcdef0123456789abcdef"), 0o600)
	cfg, err = Load(lookupFrom(map[string]string{"AGENT_SANDBOX": "user", "AGENT_USER": "bot", "AGENT_MEMORY_MB": "512",
		"AGENT_CPU_SECONDS": "60", "AGENT_MAX_PROCS": "64", "AGENT_DISK_MB": "100",
		"GITLAB_TOKEN_FILE": tok, "WEBHOOK_SECRET_FILE": secret}), "", true)
	if err != nil {
		t.Fatal(err)
	}
	sb = cfg.Sandbox()
	if sb.Mode != "user" || sb.User != "bot" || sb.Limits.MemoryMB != 512 || sb.Limits.CPUSeconds != 60 ||
		sb.Limits.MaxProcs != 64 || sb.Limits.DiskMB != 100 {
		t.Fatalf("set: %+v", sb)
	}
	if !slices.Contains(sb.SecretFiles, tok) || !slices.Contains(sb.SecretFiles, secret) {
		t.Fatalf("secret files: %v", sb.SecretFiles)
	}
}

func TestInvalidSandboxSettingsNameTheSetting(t *testing.T) {
	for name, val := range map[string]string{
		"AGENT_SANDBOX": "docker", "AGENT_NETWORK": "anthropic-only", "AGENT_MEMORY_MB": "1",
		"AGENT_CPU_SECONDS": "0", "AGENT_MAX_PROCS": "many", "AGENT_DISK_MB": "-5",
		"AGENT_EGRESS_ALLOW": "", "CLAUDE_CODE_USE_BEDROCK": "1",
	} {
		if name == "AGENT_EGRESS_ALLOW" { // empty with allowlist
			_, err := Load(lookupFrom(map[string]string{"AGENT_NETWORK": "allowlist"}), "", false)
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("allowlist without %s: %v", name, err)
			}
			continue
		}
		if _, err := Load(lookupFrom(map[string]string{name: val}), "", false); err == nil || !strings.HasPrefix(err.Error(), name) {
			t.Errorf("%s=%s: want an error naming it, got %v", name, val, err)
		}
	}
}

// Another model provider needs AGENT_NETWORK=full: the model proxy speaks the Anthropic API only.
func TestOtherProvidersNeedFullNetwork(t *testing.T) {
	if _, err := Load(lookupFrom(map[string]string{"CLAUDE_CODE_USE_VERTEX": "1", "AGENT_NETWORK": "full"}), "", false); err != nil {
		t.Fatalf("Vertex with AGENT_NETWORK=full: %v", err)
	}
	cfg, err := Load(lookupFrom(map[string]string{"AGENT_NETWORK": "allowlist", "AGENT_EGRESS_ALLOW": "registry.npmjs.org, *.pypi.org",
		"ANTHROPIC_API_KEY": "sk-real", "ANTHROPIC_BASE_URL": "https://gw.example/anthropic"}), "", false)
	if err != nil {
		t.Fatal(err)
	}
	e := cfg.Egress()
	if e.Upstream != "https://gw.example/anthropic" || e.Credentials["ANTHROPIC_API_KEY"] != "sk-real" ||
		!slices.Equal(e.Allow, []string{"registry.npmjs.org", "*.pypi.org"}) {
		t.Fatalf("Egress() = %+v", e)
	}
}

// A short WEBHOOK_SECRET stops serve, and the error says how to make a good one.
func TestShortWebhookSecretIsRefused(t *testing.T) {
	_, err := Load(lookupFrom(map[string]string{"GITLAB_TOKEN": "t", "WEBHOOK_SECRET": "a"}), "", true)
	if err == nil || !strings.Contains(err.Error(), "openssl rand -hex 32") || !strings.Contains(err.Error(), "at least 32") {
		t.Fatalf("WEBHOOK_SECRET=a: %v", err)
	}
	if _, err := Load(lookupFrom(map[string]string{"GITLAB_TOKEN": "t", "WEBHOOK_SECRET": strings.Repeat("x", 32)}), "", true); err != nil {
		t.Fatalf("32 characters: %v", err)
	}
}

// INTAKE defaults to webhooks when GitLab can reach us, else to the To-Do list (both when a
// webhook secret says a webhook was set up by hand); poll mode needs no webhook secret.
func TestIntakeDefaultsAndPollNeedsNoSecret(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"GITLAB_TOKEN": "t"}, IntakePoll},
		{map[string]string{"GITLAB_TOKEN": "t", "WEBHOOK_SECRET": "s-0123456789abcdef0123456789abcdef"}, IntakeBoth},
		{map[string]string{"GITLAB_TOKEN": "t", "WEBHOOK_SECRET": "s-0123456789abcdef0123456789abcdef", "PUBLIC_URL": "https://c.example"}, IntakeWebhook},
		{map[string]string{"GITLAB_TOKEN": "t", "INTAKE": "poll", "PUBLIC_URL": "https://c.example"}, IntakePoll},
	} {
		cfg, err := Load(lookupFrom(c.env), "", true)
		if err != nil || cfg.Intake != c.want || cfg.PollInterval != 10*time.Second {
			t.Errorf("%v: intake %q, interval %s, %v; want %q", c.env, cfg.Intake, cfg.PollInterval, err, c.want)
		}
	}
	if _, err := Load(lookupFrom(map[string]string{"GITLAB_TOKEN": "t", "INTAKE": "pull"}), "", true); err == nil || !strings.HasPrefix(err.Error(), "INTAKE") {
		t.Errorf("a bad INTAKE: %v", err)
	}
	if _, err := Load(lookupFrom(map[string]string{"GITLAB_TOKEN": "t", "POLL_INTERVAL": "100ms"}), "", true); err == nil || !strings.HasPrefix(err.Error(), "POLL_INTERVAL") {
		t.Errorf("a too short POLL_INTERVAL: %v", err)
	}
}
