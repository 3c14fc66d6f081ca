package agenttest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// RealCLIVersion is the pinned Claude Code release. Newer ones need Node 22, and npm on an older
// Node silently installs an old release when the version is not pinned.
const RealCLIVersion = "2.1.328"

const realPackage = "@anthropic-ai/claude-code"

// InstallRealCLI returns the path of the real Claude Code CLI, installing the pinned npm package
// into the user cache dir (…/claude-gitlab/claude-cli-VERSION) the first time. A lock file keeps
// parallel test binaries from installing at once. Without npm the test is skipped, unless CI=true
// where it fails: CI must run it.
func InstallRealCLI(t testing.TB) string {
	t.Helper()
	fail := t.Skipf
	if os.Getenv("CI") == "true" {
		fail = t.Fatalf
	}
	if _, err := exec.LookPath("npm"); err != nil {
		fail("the real Claude CLI test needs npm to install %s@%s: %v", realPackage, RealCLIVersion, err)
		return ""
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatalf("cache dir for the Claude CLI: %v", err)
	}
	dir := filepath.Join(cache, "claude-gitlab", "claude-cli-"+RealCLIVersion)
	path, err := installOnce(dir)
	if err != nil {
		fail("install the real Claude CLI: %v", err)
		return ""
	}
	return path
}

// installOnce installs into dir unless a complete install is there, under an exclusive lock.
func installOnce(dir string) (string, error) {
	if path, err := findCLI(dir); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", err
	}
	unlock, err := lock(dir + ".lock")
	if err != nil {
		return "", err
	}
	defer unlock()
	if path, err := findCLI(dir); err == nil {
		return path, nil // another test binary installed it while we waited
	}
	// Install beside, then rename: a half-done install (an interrupted test) is never used.
	tmp := fmt.Sprintf("%s.tmp-%d", dir, os.Getpid())
	defer os.RemoveAll(tmp)
	if err := npmInstall(tmp); err != nil {
		return "", err
	}
	if _, err := findCLI(tmp); err != nil {
		return "", err
	}
	_ = os.RemoveAll(dir) // an incomplete earlier install
	if err := os.Rename(tmp, dir); err != nil {
		return "", err
	}
	return findCLI(dir)
}

func lock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil // closing releases the lock
}

func npmInstall(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	start := time.Now()
	cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--no-save",
		realPackage+"@"+RealCLIVersion)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("npm install %s@%s: %w\n%s", realPackage, RealCLIVersion, err, out)
	}
	// npm 11 may skip install scripts, so the package's own install.cjs (which links the platform
	// binary into bin/) may not have run; findCLI runs the platform binary directly.
	fmt.Fprintf(os.Stderr, "agenttest: npm installed %s@%s (%s)\n", realPackage, RealCLIVersion,
		time.Since(start).Round(time.Second))
	return nil
}

// findCLI returns the platform binary of an install and checks that it runs.
func findCLI(dir string) (string, error) {
	mods := filepath.Join(dir, "node_modules", "@anthropic-ai")
	var candidates []string
	for _, p := range platformKeys() {
		candidates = append(candidates, filepath.Join(mods, "claude-code-"+p, "claude"))
	}
	// Where install.cjs did run, it put the binary here.
	candidates = append(candidates, filepath.Join(mods, "claude-code", "bin", "claude.exe"))
	for _, c := range candidates {
		if st, err := os.Stat(c); err != nil || st.Size() < 1<<20 {
			continue // missing, or the small placeholder install.cjs replaces
		}
		cmd := exec.Command(c, "--version")
		cmd.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + dir, "DISABLE_AUTOUPDATER=1",
			"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1"} // keep the tester's own ~/.claude out of it
		out, err := cmd.Output()
		if err == nil && bytes.Contains(out, []byte(RealCLIVersion)) {
			return c, nil
		}
	}
	return "", fmt.Errorf("no working claude %s binary under %s", RealCLIVersion, mods)
}

func platformKeys() []string {
	arch := map[string]string{"amd64": "x64", "arm64": "arm64"}[runtime.GOARCH]
	key := runtime.GOOS + "-" + arch
	if runtime.GOOS == "linux" {
		return []string{key, key + "-musl"}
	}
	return []string{strings.TrimSuffix(key, "-")}
}
