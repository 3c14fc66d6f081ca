// Package scripts holds the install script; this test runs the parts of it that are safe in CI.
package scripts

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestInstallIntoPrefix runs `install.sh --prefix DIR --no-system`: the binary is built into
// DIR/bin and the pinned Claude CLI installed there, and both run. npm's download cache (~/.npm)
// makes a repeat take seconds.
func TestInstallIntoPrefix(t *testing.T) {
	if testing.Short() {
		t.Skip("installs the Claude CLI with npm (about 10 s)")
	}
	for _, tool := range []string{"go", "npm", "node", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("CI must have %s: %v", tool, err)
			}
			t.Skipf("needs %s: %v", tool, err)
		}
	}
	prefix := t.TempDir()
	start := time.Now()
	cmd := exec.Command("sh", "install.sh", "--prefix", prefix, "--no-system")
	cmd.Env = os.Environ()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("install.sh: %v\n%s", err, out)
	}
	t.Logf("install.sh took %s", time.Since(start).Round(100*time.Millisecond))

	version := run(t, filepath.Join(prefix, "bin", "claude-gitlab"), "version")
	if !strings.HasPrefix(version, "claude-gitlab ") {
		t.Fatalf("claude-gitlab version: %q", version)
	}
	if cli := run(t, filepath.Join(prefix, "bin", "claude"), "--version"); !strings.Contains(cli, "2.1.328") {
		t.Fatalf("claude --version: %q", cli)
	}
}

func run(t *testing.T, prog string, args ...string) string {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + t.TempDir(), "DISABLE_AUTOUPDATER=1",
		"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", prog, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestInstallScriptRefusesUnknownOptions(t *testing.T) {
	out, err := exec.Command("sh", "install.sh", "--bogus").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "unknown option --bogus") {
		t.Fatalf("err %v:\n%s", err, out)
	}
}
