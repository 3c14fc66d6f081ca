package projectconfig

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
)

// fakeFiles serves files by "ref:path"; a missing one is gitlab.ErrNotFound. It logs every read.
type fakeFiles struct {
	files map[string]string
	errs  map[string]error
	reads []string
}

func (f *fakeFiles) RawFile(_ context.Context, projectID int64, path, ref string) ([]byte, error) {
	key := ref + ":" + path
	f.reads = append(f.reads, fmt.Sprintf("%d %s", projectID, key))
	if err, ok := f.errs[key]; ok {
		return nil, err
	}
	if s, ok := f.files[key]; ok {
		return []byte(s), nil
	}
	return nil, fmt.Errorf("get %s: %w", path, gitlab.ErrNotFound)
}

func TestSettingsFileFound(t *testing.T) {
	boom := errors.New("connection reset")
	tests := []struct {
		name    string
		files   map[string]string
		errs    map[string]error
		want    Found
		wantErr bool
	}{
		{"none", nil, nil, Found{}, false},
		{"first path", map[string]string{"c1:.claude-gitlab.yml": "max_turns: 3\n", "c1:.gitlab/claude.yml": "max_turns: 4\n"}, nil,
			Found{Path: ".claude-gitlab.yml", Data: []byte("max_turns: 3\n")}, false},
		{"second path", map[string]string{"c1:.gitlab/claude.yml": "max_turns: 4\n"}, nil,
			Found{Path: ".gitlab/claude.yml", Data: []byte("max_turns: 4\n")}, false},
		{"hidden", nil, map[string]error{"c1:.claude-gitlab.yml": fmt.Errorf("get: %w", gitlab.ErrForbidden)},
			Found{Path: ".claude-gitlab.yml", Forbidden: true}, false},
		{"broken", nil, map[string]error{"c1:.gitlab/claude.yml": boom}, Found{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := &fakeFiles{files: tt.files, errs: tt.errs}
			got, err := NewCache().Settings(context.Background(), files, 7, "main", "c1")
			if (err != nil) != tt.wantErr || (tt.wantErr && !errors.Is(err, boom)) {
				t.Fatalf("err = %v, want an error: %t", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("found %+v, want %+v", got, tt.want)
			}
		})
	}
}

// The cache answers for a commit it read once, per project and file; without a commit, or
// without a cache, the file is read from the branch every time; an error is not kept.
func TestCacheReadsOncePerCommit(t *testing.T) {
	ctx := context.Background()
	files := &fakeFiles{files: map[string]string{"c1:.gitlab/claude.yml": "max_turns: 4\n", "c1:CLAUDE.md": "Use tabs.\n"}}
	c := NewCache()
	for range 2 {
		if f, err := c.Settings(ctx, files, 7, "main", "c1"); err != nil || f.Path != ".gitlab/claude.yml" {
			t.Fatalf("settings %+v, %v", f, err)
		}
		if f, err := c.ClaudeMD(ctx, files, 7, "main", "c1"); err != nil || string(f.Data) != "Use tabs.\n" {
			t.Fatalf("CLAUDE.md %+v, %v", f, err)
		}
	}
	want := []string{"7 c1:.claude-gitlab.yml", "7 c1:.gitlab/claude.yml", "7 c1:CLAUDE.md"}
	if !reflect.DeepEqual(files.reads, want) {
		t.Fatalf("reads %q, want %q", files.reads, want)
	}
	files.reads = nil
	var none *Cache
	for _, read := range []func() (Found, error){
		func() (Found, error) { return c.Settings(ctx, files, 7, "main", "") },
		func() (Found, error) { return none.Settings(ctx, files, 7, "main", "c1") },
		func() (Found, error) { return c.Settings(ctx, files, 8, "main", "c1") },
	} {
		if _, err := read(); err != nil {
			t.Fatal(err)
		}
	}
	want = []string{"7 main:.claude-gitlab.yml", "7 main:.gitlab/claude.yml", "7 c1:.claude-gitlab.yml", "7 c1:.gitlab/claude.yml",
		"8 c1:.claude-gitlab.yml", "8 c1:.gitlab/claude.yml"}
	if !reflect.DeepEqual(files.reads, want) {
		t.Fatalf("reads %q, want %q", files.reads, want)
	}
	files.reads, files.errs = nil, map[string]error{"c2:CLAUDE.md": errors.New("timeout")}
	if _, err := c.ClaudeMD(ctx, files, 7, "main", "c2"); err == nil || err.Error() != "read CLAUDE.md on main: timeout" {
		t.Fatalf("err = %v", err)
	}
	delete(files.errs, "c2:CLAUDE.md")
	if f, err := c.ClaudeMD(ctx, files, 7, "main", "c2"); err != nil || f.Data != nil || len(files.reads) != 2 {
		t.Fatalf("after an error: %+v, %v, reads %q", f, err, files.reads)
	}
}

// CLAUDE.md that is absent or hidden is empty, not an error.
func TestClaudeMDAbsentOrHidden(t *testing.T) {
	files := &fakeFiles{errs: map[string]error{"c2:CLAUDE.md": gitlab.ErrForbidden}}
	for _, commit := range []string{"c1", "c2"} {
		if f, err := NewCache().ClaudeMD(context.Background(), files, 7, "main", commit); err != nil || f.Data != nil {
			t.Fatalf("at %s: %+v, %v", commit, f, err)
		}
	}
}

func TestCacheStartsOverWhenFull(t *testing.T) {
	c := NewCache()
	for i := range maxCached + 1 {
		c.put(Key{Project: int64(i), Commit: "c"}, Found{Path: "x"})
	}
	if _, ok := c.get(Key{Project: 0, Commit: "c"}); ok || len(c.entries) != 1 {
		t.Fatalf("the cache holds %d entries", len(c.entries))
	}
}
