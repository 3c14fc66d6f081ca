package gitlab

import (
	"errors"
	"testing"
)

// RawFile reads a file at a branch, a nested path included; a missing file or branch is
// ErrNotFound; a branch's own version is not the default branch's.
func TestFakeGitLabRawFile(t *testing.T) {
	w := newFakeWorld(t)
	w.g.CommitFiles(w.p.ID, "main", "main", map[string]string{".gitlab/claude.yml": "max_turns: 5\n"})
	w.g.CommitFiles(w.p.ID, "main", "feature", map[string]string{".gitlab/claude.yml": "max_turns: 99\n"})
	got, err := w.c.RawFile(ctx, w.p.ID, ".gitlab/claude.yml", "main")
	if err != nil || string(got) != "max_turns: 5\n" {
		t.Fatalf("RawFile at main = %q, %v", got, err)
	}
	if got, _ := w.c.RawFile(ctx, w.p.ID, ".gitlab/claude.yml", "feature"); string(got) != "max_turns: 99\n" {
		t.Fatalf("RawFile at feature = %q", got)
	}
	if _, err := w.c.RawFile(ctx, w.p.ID, ".claude-gitlab.yml", "main"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := w.c.RawFile(ctx, w.p.ID, "README.md", "no-such-branch"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing branch: %v", err)
	}
}
