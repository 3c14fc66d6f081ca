package agent

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSessionSaveAndRestore(t *testing.T) {
	const id = "0a1b2c3d-1111-2222-3333-444455556666"
	home, dir := t.TempDir(), "/work/wt/job-1"
	pd := projectDir(home, dir)
	if !strings.HasSuffix(pd, "/.claude/projects/-work-wt-job-1") {
		t.Fatalf("project dir = %s", pd)
	}
	lines := `{"type":"user","sessionId":"` + id + `","message":"hi"}` + "\n" + `{"type":"assistant","sessionId":"` + id + `"}` + "\n"
	os.MkdirAll(pd, 0o700)
	os.WriteFile(filepath.Join(pd, id+".jsonl"), []byte(lines), 0o600)
	data, err := SaveSession(home, id, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SaveSession(home, id, 10); err == nil {
		t.Errorf("a session over the bound was kept")
	}
	other, otherDir := t.TempDir(), "/work/wt/job-2"
	if err := restoreSession(&Session{ID: id, Data: data}, other, otherDir, 1<<20); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(projectDir(other, otherDir), id+".jsonl"))
	if err != nil || string(got) != lines {
		t.Fatalf("restored %q, %v", got, err)
	}
	for name, s := range map[string]*Session{
		"not gzip":          {ID: id, Data: []byte("plain")},
		"another session":   {ID: "ffffffff-1111-2222-3333-444455556666", Data: data},
		"an id with a path": {ID: "../../etc/x", Data: data},
	} {
		if err := restoreSession(s, t.TempDir(), dir, 1<<20); !errors.Is(err, ErrSession) {
			t.Errorf("%s: %v, want ErrSession", name, err)
		}
	}
	if err := restoreSession(&Session{ID: id, Data: data}, t.TempDir(), dir, 10); !errors.Is(err, ErrSession) {
		t.Errorf("a session over the bound was restored: %v", err)
	}
}
