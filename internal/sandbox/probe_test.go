package sandbox_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/sandbox"
)

// dataDir is a DATA_DIR the user mode's agent can pass through (t.TempDir's parents are 0700),
// outside /tmp as in production: bwrap gives the agent a private, writable /tmp, so a write to a
// DATA_DIR under /tmp would land there (harmless, but not what a test should measure).
func dataDir(t *testing.T) string {
	t.Helper()
	parent := "/var/tmp"
	if _, err := os.Stat(parent); err != nil {
		parent = ""
	}
	base, err := os.MkdirTemp(parent, "sandbox-data-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	os.Chmod(base, 0o711)
	dir := filepath.Join(base, "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestProbe(t *testing.T) {
	for _, mode := range modes(t) {
		t.Run(mode, func(t *testing.T) {
			got, err := sandbox.Probe(context.Background(), sandbox.Config{Mode: mode, User: testUser(t, mode), DataDir: dataDir(t)})
			if err != nil || got != mode {
				t.Fatalf("Probe = %q, %v", got, err)
			}
		})
	}
}

func TestProbeNoneIsAnError(t *testing.T) {
	got, err := sandbox.Probe(context.Background(), sandbox.Config{Mode: sandbox.ModeNone})
	if got != sandbox.ModeNone || err == nil {
		t.Fatalf("Probe = %q, %v; want none and an error", got, err)
	}
}
