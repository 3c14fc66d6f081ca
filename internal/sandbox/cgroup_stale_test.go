package sandbox

import (
	"os"
	"path/filepath"
	"testing"
)

// A cgroup folder left by a killed process whose PID we now have must not stop a run.
func TestMkdirFreshReplacesAStaleFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "claude-run-1-1")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := mkdirFresh(dir); err != nil {
		t.Fatalf("stale folder: %v", err)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Fatalf("folder not made again: %v", err)
	}
	if err := mkdirFresh(filepath.Join(t.TempDir(), "new")); err != nil {
		t.Fatalf("new folder: %v", err)
	}
}
