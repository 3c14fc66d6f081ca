package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent/agenttest"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/sandbox"
)

// TestMain runs the tests in a child process whose real environment holds the service's secrets:
// /proc/<pid>/environ shows the environment a process started with, which t.Setenv does not
// change. The child is the "service" the agent attacks.
func TestMain(m *testing.M) {
	sandbox.RunBridgeIfAsked()
	if os.Getenv("SANDBOX_TEST_SERVICE") == "" {
		cmd := exec.Command(os.Args[0], os.Args[1:]...)
		cmd.Env = append(os.Environ(), "SANDBOX_TEST_SERVICE=1", "GITLAB_TOKEN="+canaryEnvToken,
			"WEBHOOK_SECRET="+canaryWebhook, "CLAUDE_GITLAB_TEST_CANARY="+canaryEnvToken)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			os.Exit(exit.ExitCode())
		} else if err != nil {
			panic(err)
		}
		os.Exit(0)
	}
	sandbox.SetWatchEvery(200 * time.Millisecond)
	agenttest.Main(m)
}

// Canaries: the secrets an attacker is after, each in one place of the service.
const (
	canaryEnvToken  = "fakepat-canary-in-service-environ"
	canaryFileToken = "fakepat-canary-in-dotenv-file"
	canaryDB        = "canary-row-in-the-database"
	canaryMirror    = "canary-in-another-projects-mirror"
	canaryWorktree  = "canary-in-another-projects-worktree"
	canaryWebhook   = "whsec-canary-in-service-environ"
)

var canaries = []string{canaryEnvToken, canaryFileToken, canaryDB, canaryMirror, canaryWorktree, canaryWebhook}

// service is a fake service's DATA_DIR: secrets, another project's cache, and project 1's
// mirror with a real linked worktree (wt/1) and the run's HOME.
type service struct {
	data, worktree, home, cli string
	sb                        *sandbox.Sandbox
}

func newService(t *testing.T, mode string, limits sandbox.Limits) *service {
	t.Helper()
	old := syscall.Umask(0o022) // the service's files as a default umask makes them: world-readable
	t.Cleanup(func() { syscall.Umask(old) })
	s := &service{data: dataDir(t)}
	s.write(t, ".env", "GITLAB_TOKEN="+canaryFileToken+"\n")
	s.write(t, "claude-gitlab.db", "SQLite format 3\x00"+canaryDB)
	s.write(t, "repos/2/mirror.git/canary", canaryMirror)
	s.write(t, "repos/2/wt/1/canary", canaryWorktree)
	s.worktree, s.home = s.gitWorktree(t), filepath.Join(s.data, "agent-homes", "job-1-1")
	if err := os.MkdirAll(s.home, 0o700); err != nil {
		t.Fatal(err)
	}
	s.cli = agenttest.BuildFakeClaude(t)
	os.Chmod(filepath.Dir(s.cli), 0o755) // the user mode's agent must be able to run it
	sb, err := sandbox.New(sandbox.Config{Mode: mode, User: testUser(t, mode), DataDir: s.data,
		SecretFiles: []string{filepath.Join(s.data, ".env")}, Limits: limits})
	if err != nil {
		t.Fatalf("sandbox.New(%s): %v", mode, err)
	}
	s.sb = sb
	return s
}

func (s *service) write(t *testing.T, rel, content string) {
	t.Helper()
	path := filepath.Join(s.data, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// gitWorktree makes repos/1 the way internal/workspace does: a bare mirror and a linked worktree.
func (s *service) gitWorktree(t *testing.T) string {
	t.Helper()
	src, mirror := t.TempDir(), filepath.Join(s.data, "repos", "1", "mirror.git")
	wt := filepath.Join(s.data, "repos", "1", "wt", "1")
	git := func(dir string, args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@e", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@e")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git(src, "init", "-q", "-b", "main")
	os.WriteFile(filepath.Join(src, "README.md"), []byte("hello\n"), 0o644)
	git(src, "add", ".")
	git(src, "commit", "-qm", "first")
	git(src, "clone", "-q", "--bare", src, mirror)
	git(mirror, "worktree", "add", "-q", "--detach", wt, "main")
	return wt
}

// run runs the fake CLI in the sandbox with prompt.
func (s *service) run(t *testing.T, prompt string) (agent.Result, error) {
	t.Helper()
	cfg := agent.Config{Path: s.cli, Sandbox: s.sb, Env: []string{"ANTHROPIC_API_KEY=sk-ant-fake"}}
	return agent.Run(context.Background(), cfg, agent.Request{Dir: s.worktree, Home: s.home, Prompt: prompt}, nil)
}

// noCanary fails if a secret shows anywhere in what the run returned.
func noCanary(t *testing.T, res agent.Result, err error) {
	t.Helper()
	all := res.Text + res.StderrTail + strings.Join(res.Errors, "")
	if err != nil {
		all += err.Error()
	}
	for _, c := range canaries {
		if strings.Contains(all, c) {
			t.Errorf("the run's reply shows the secret %q", c)
		}
	}
}

type attempt struct {
	Succeeded bool   `json:"succeeded"`
	Got       string `json:"got"`
}

// attack runs the fake's attack directive and returns its report.
func (s *service) attack(t *testing.T) map[string]attempt {
	t.Helper()
	res, err := s.run(t, "please review\nFAKE_CLAUDE attack "+s.data)
	if err != nil {
		t.Fatalf("Run: %v (stderr %s)", err, res.StderrTail)
	}
	noCanary(t, res, err)
	report := map[string]attempt{}
	if err := json.Unmarshal([]byte(res.Text), &report); err != nil || len(report) == 0 {
		t.Fatalf("report: %v: %s", err, res.Text)
	}
	return report
}

// Every attempt of a prompt-injected agent to reach the service's secrets, another project or
// anything outside its worktree fails, in each mode this machine supports; the service's files
// are as they were, and the worktree is the service's again afterwards.
func TestAdversarialAgentIsConfined(t *testing.T) {
	for _, mode := range modes(t) {
		t.Run(mode, func(t *testing.T) {
			s := newService(t, mode, sandbox.Limits{})
			for name, a := range s.attack(t) {
				t.Logf("%s: %s", name, a.Got)
				if a.Succeeded {
					t.Errorf("%s: the attack succeeded: %s", name, a.Got)
				}
			}
			for _, p := range []string{filepath.Join(s.data, "pwned"), filepath.Join(s.data, "repos/2/mirror.git/pwned"),
				filepath.Join(s.data, "repos/1/wt/pwned"), filepath.Join(s.data, "agent-homes/pwned"), "/usr/local/bin/pwned", "/pwned"} {
				if _, err := os.Lstat(p); err == nil {
					t.Errorf("the agent wrote %s", p)
				}
			}
			if data, _ := os.ReadFile(filepath.Join(s.data, ".env")); !strings.Contains(string(data), canaryFileToken) {
				t.Errorf(".env changed: %q", data)
			}
			st, _ := os.Stat(s.worktree)
			if uid := st.Sys().(*syscall.Stat_t).Uid; int(uid) != os.Getuid() {
				t.Errorf("the worktree is owned by %d after the run, want the service's %d", uid, os.Getuid())
			}
		})
	}
}

// Without a sandbox the same attack gets the secrets: the test above can see a breach.
func TestAdversarialAgentUnconfinedGetsTheSecrets(t *testing.T) {
	s := newService(t, sandbox.ModeNone, sandbox.Limits{})
	t.Cleanup(func() {
		for _, p := range []string{"/usr/local/bin/pwned", "/pwned"} {
			if data, err := os.ReadFile(p); err == nil && string(data) == "pwned\n" {
				os.Remove(p)
			}
		}
	})
	res, err := s.run(t, "FAKE_CLAUDE attack "+s.data)
	if err != nil {
		t.Fatal(err)
	}
	report := map[string]attempt{}
	json.Unmarshal([]byte(res.Text), &report)
	for _, name := range []string{"parent-environ", "env-file", "database", "list-other-project", "read-other-mirror", "write-data-dir"} {
		if !report[name].Succeeded {
			t.Errorf("%s failed without a sandbox: %s", name, report[name].Got)
		}
	}
	if !strings.Contains(res.Text, canaryEnvToken) || !strings.Contains(res.Text, canaryFileToken) {
		t.Errorf("the unconfined attack did not print the tokens:\n%s", res.Text)
	}
}

// git works in bwrap on the run's own project (read-only history, its own index).
func TestGitWorksInsideBwrap(t *testing.T) {
	if !contains(modes(t), sandbox.ModeBwrap) {
		t.Skip("no bwrap here")
	}
	s := newService(t, sandbox.ModeBwrap, sandbox.Limits{})
	res, err := s.run(t, "FAKE_CLAUDE sh echo changed >> README.md && git status --short && git log --format=%s -1 && git diff --stat")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"M README.md", "first", "1 file changed", "exit: <nil>"} {
		if !strings.Contains(res.Text, want) {
			t.Errorf("git inside bwrap: no %q in\n%s", want, res.Text)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// errIsLimit checks that a run ended for the named limit, with a reply that says so.
func errIsLimit(t *testing.T, err error, setting string) {
	t.Helper()
	if !errors.Is(err, agent.ErrLimit) || !strings.Contains(err.Error(), setting) {
		t.Fatalf("err = %v; want agent.ErrLimit naming %s", err, setting)
	}
}

// Inside the sandbox the CLI's environment is still the minimal one agent.Run builds: bwrap,
// prlimit and the cgroup shell add nothing but PWD.
func TestSandboxedEnvironmentIsMinimal(t *testing.T) {
	allowed := append([]string{"PATH", "HOME", "CLAUDE_CONFIG_DIR", "TMPDIR", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
		"DISABLE_AUTOUPDATER", "LANG", "PWD"}, agent.AllowedEnv()...)
	for _, mode := range modes(t) {
		t.Run(mode, func(t *testing.T) {
			s := newService(t, mode, sandbox.Limits{})
			res, err := s.run(t, "FAKE_CLAUDE env")
			if err != nil {
				t.Fatal(err)
			}
			noCanary(t, res, err)
			for _, line := range strings.Split(res.Text, "\n") {
				name, _, _ := strings.Cut(line, "=")
				if !contains(allowed, name) {
					t.Errorf("the sandboxed CLI got %s", name)
				}
			}
		})
	}
}
