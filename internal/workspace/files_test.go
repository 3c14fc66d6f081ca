package workspace

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
)

// ChangedFiles names what the commit changed, a rename under both names, so that a forbidden
// path cannot be touched by moving it.
func TestChangedFilesAfterCommit(t *testing.T) {
	f := newFixture(t)
	p, _ := f.repo("group/files", map[string]string{"README.md": "hi\n", "secrets/key.pem": "k\n", "a.txt": "a\n"})
	ws := prepare(t, f.m, p, "main")
	defer ws.Release()
	ctx := ctxT(t)
	write(t, ws.Dir, "new dir/b.txt", "b\n")
	must(t, os.Rename(filepath.Join(ws.Dir, "secrets/key.pem"), filepath.Join(ws.Dir, "key.pem")))
	must(t, os.Remove(filepath.Join(ws.Dir, "a.txt")))
	_, err := ws.Commit(ctx, bot, "change")
	must(t, err)
	got, err := ws.ChangedFiles(ctx)
	must(t, err)
	sort.Strings(got)
	want := []string{"a.txt", "key.pem", "new dir/b.txt", "secrets/key.pem"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ChangedFiles = %q, want %q", got, want)
	}
}
