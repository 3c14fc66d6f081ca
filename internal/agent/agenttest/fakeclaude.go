// Package agenttest helps tests run the agent: it builds the fake Claude CLI and installs the
// real one. It is not imported by production code.
//
// A test of a later step (a job, the demo) drives the fake through the prompt, e.g. a GitLab note
// "@claude FAKE_CLAUDE write README.md \"hello\\n\"" ends up in the prompt, and the run writes
// README.md in the worktree and answers:
//
//	cfg := agent.Config{Path: agenttest.BuildFakeClaude(t)}
//	res, err := agent.Run(ctx, cfg, agent.Request{Dir: worktree, Prompt: prompt}, nil)
package agenttest

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/sandbox"
)

const fakePackage = "gitlab.com/claude-gitlab/claude-gitlab/internal/agent/fakeclaude"

var fake struct {
	once sync.Once
	dir  string
	path string
	err  error
	out  []byte
}

// BuildFakeClaude builds internal/agent/fakeclaude once per test binary and returns the path of
// the executable (named "claude"). See that package for the FAKE_CLAUDE prompt directives. Call
// Main from TestMain to remove the build when the tests end.
func BuildFakeClaude(t testing.TB) string {
	t.Helper()
	fake.once.Do(func() {
		fake.dir, fake.err = os.MkdirTemp("", "fakeclaude-")
		if fake.err != nil {
			return
		}
		fake.path = filepath.Join(fake.dir, "claude")
		cmd := exec.Command("go", "build", "-o", fake.path, fakePackage)
		fake.out, fake.err = cmd.CombinedOutput()
	})
	if fake.err != nil {
		t.Fatalf("build the fake claude: %v\n%s", fake.err, fake.out)
	}
	return fake.path
}

// Main runs the tests and removes what BuildFakeClaude built: use it as
// func TestMain(m *testing.M) { agenttest.Main(m) }.
func Main(m *testing.M) {
	sandbox.RunBridgeIfAsked() // a sandboxed run of this test binary starts it as the bridge
	code := m.Run()
	if fake.dir != "" {
		_ = os.RemoveAll(fake.dir)
	}
	os.Exit(code)
}
