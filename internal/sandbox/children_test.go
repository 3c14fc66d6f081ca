package sandbox_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// starters are the ways Go code starts a process.
var starters = regexp.MustCompile(`exec\.Command(Context)?\(|os\.StartProcess\(|syscall\.(Exec|ForkExec)\(`)

// startsProcesses lists every non-test file of the module allowed to start a process, and why.
// The service's own secrets (GitLab token, webhook secret) must reach no child but git, and git
// only the header it needs per command; the CLI gets a minimal environment inside the sandbox.
var startsProcesses = map[string]string{
	"internal/workspace/git.go":              "git, with an environment built from nothing and the token per command",
	"internal/agent/process.go":              "the Claude CLI, with a minimal environment, through the sandbox",
	"internal/sandbox/bwrap.go":              "bwrap's self-check at start, with PATH only",
	"internal/sandbox/probe.go":              "the sandbox probe, confined, with PATH and HOME only",
	"internal/sandbox/user.go":               "unshare's self-check at start, with PATH only",
	"internal/sandbox/bridge.go":             "inside the sandbox: the bridge starts the CLI with the environment it was given (the CLI's)",
	"internal/doctor/local.go":               "doctor: `claude --version`, `git --version`, with a minimal environment",
	"internal/gitserver/gitserver.go":        "test double and demo: a git HTTP server",
	"internal/fakegitlab/commitfiles.go":     "test double and demo: git in the fake GitLab",
	"internal/agent/agenttest/fakeclaude.go": "tests: go build of the fake CLI",
	"internal/agent/agenttest/realcli.go":    "tests: npm install of the real CLI",
	"internal/agent/fakeclaude/behave.go":    "the fake CLI's own tools",
	"internal/agent/fakeclaude/attack.go":    "the fake CLI's own tools",
	"scripts/benchintake/bench.go":           "tests and benchmarks: the intake benchmark builds and starts the binary it measures",
	"scripts/benchintake/wrk.go":             "tests and benchmarks: the intake benchmark's load generator (wrk)",
	"scripts/benchintake/main.go":            "tests and benchmarks: busy-loop copies of the intake benchmark (-spin), with no environment",
}

// No other code of the service starts a process, and the production code that does sets the
// child's environment explicitly (a nil Cmd.Env inherits the service's, token included).
func TestOnlyGitAndTheSandboxedCLIAreStarted(t *testing.T) {
	root, _ := filepath.Abs("../..")
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		data, _ := os.ReadFile(path)
		rel, _ := filepath.Rel(root, path)
		if !starters.Match(data) {
			return nil
		}
		why, ok := startsProcesses[rel]
		if !ok {
			t.Errorf("%s starts a process: only git and the sandboxed CLI may be started; if this one must be, give it a minimal Env and add it to startsProcesses with the reason", rel)
			return nil
		}
		test := strings.HasPrefix(why, "test") || strings.Contains(rel, "fakeclaude/")
		if !test && !strings.Contains(string(data), "Env = ") && !strings.Contains(string(data), "Env, ") {
			t.Errorf("%s starts a process without setting its environment: it would inherit the service's secrets", rel)
		}
		return nil
	})
}
