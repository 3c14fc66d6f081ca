package sandbox_test

import (
	"os"
	"os/exec"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/sandbox"
)

// modes are the modes this machine can test: bwrap where it works, user where we are root. In
// CI (CI=true) a mode that cannot work here fails the test instead of skipping it.
func modes(t *testing.T) []string {
	var out []string
	if _, err := sandbox.New(sandbox.Config{Mode: sandbox.ModeBwrap}); err == nil {
		out = append(out, sandbox.ModeBwrap)
	} else if os.Getenv("CI") == "true" {
		t.Errorf("bwrap does not work in CI: %v", err)
	}
	if os.Geteuid() == 0 {
		out = append(out, sandbox.ModeUser)
	}
	if len(out) == 0 {
		t.Skip("neither bwrap nor root here")
	}
	return out
}

// testUser is the agent user of the user mode tests: nobody, which every Debian has.
func testUser(t *testing.T, mode string) string {
	if mode != sandbox.ModeUser {
		return ""
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("no setpriv")
	}
	return "nobody"
}
