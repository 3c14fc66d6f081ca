package gitserver

import (
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestCloneAndPushOverSmartHTTP(t *testing.T) {
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s.CheckToken = func(tok string) bool { return tok == "good-token" }
	if _, err := s.CreateRepo("group/proj", "main", map[string]string{"README.md": "hello\n"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetProtected("group/proj", "main"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()

	dir := filepath.Join(t.TempDir(), "clone")
	url := strings.Replace(srv.URL, "http://", "http://oauth2:good-token@", 1) + "/group/proj.git"
	run(t, "", "clone", "-q", url, dir)
	if b, err := os.ReadFile(filepath.Join(dir, "README.md")); err != nil || string(b) != "hello\n" {
		t.Fatalf("README.md = %q, %v", b, err)
	}

	bad := strings.Replace(srv.URL, "http://", "http://oauth2:bad-token@", 1) + "/group/proj.git"
	if out, err := git(t, "", "ls-remote", bad); err == nil || !strings.Contains(out, "Authentication failed") && !strings.Contains(out, "401") {
		t.Fatalf("ls-remote with a bad token: err=%v out=%s", err, out)
	}

	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a"), 0o644)
	run(t, dir, "add", "-A")
	run(t, dir, "-c", "user.name=T", "-c", "user.email=t@e", "commit", "-qm", "a")
	out, err := git(t, dir, "push", "origin", "HEAD:main")
	if err == nil || !strings.Contains(out, ProtectedMessage) {
		t.Fatalf("push to protected main: err=%v out=%s", err, out)
	}
	run(t, dir, "push", "-q", "origin", "HEAD:refs/heads/feature")
	if out, err := s.Git("group/proj", "rev-parse", "feature"); err != nil || len(strings.TrimSpace(out)) != 40 {
		t.Fatalf("feature branch not on the server: %q %v", out, err)
	}
}

func run(t *testing.T, dir string, args ...string) {
	t.Helper()
	if out, err := git(t, dir, args...); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func git(t *testing.T, dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	out, err := cmd.CombinedOutput()
	return string(out), err
}
