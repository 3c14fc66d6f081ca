package workspace

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitserver"
)

const goodToken = "fakepat-GOOD-token-5f3a9c1e7b"

// fixture is a git server with a token check, and a manager using it.
type fixture struct {
	t      testing.TB
	srv    *gitserver.Server
	url    string
	dir    string // the manager's Dir
	m      *Manager
	token  atomic.Value // string
	nextID int64
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	srv, err := gitserver.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv.CheckToken = func(tok string) bool { return tok == goodToken }
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	f := &fixture{t: t, srv: srv, url: hs.URL, dir: filepath.Join(t.TempDir(), "repos")}
	f.token.Store(goodToken)
	f.m = f.manager(2)
	return f
}

// manager is a new Manager on the fixture's Dir.
func (f *fixture) manager(pool int) *Manager {
	f.t.Helper()
	m, err := New(Config{Dir: f.dir, PoolSize: pool, Token: func() string { return f.token.Load().(string) },
		Env: GitEnv(os.Environ())})
	if err != nil {
		f.t.Fatal(err)
	}
	return m
}

// repo creates a project on the server with files on main.
func (f *fixture) repo(path string, files map[string]string) (Project, string) {
	f.t.Helper()
	sha, err := f.srv.CreateRepo(path, "main", files)
	if err != nil {
		f.t.Fatal(err)
	}
	f.nextID++
	return Project{ID: f.nextID, Path: path, CloneURL: f.url + "/" + path + ".git"}, sha
}

// serverCommit commits files on top of parent straight into the server's repository and points
// ref at it, as another user's push would.
func (f *fixture) serverCommit(path, ref, parent string, files map[string]string) string {
	f.t.Helper()
	bare := f.srv.RepoDir(path)
	env := []string{"GIT_INDEX_FILE=" + filepath.Join(f.t.TempDir(), "index"),
		"GIT_AUTHOR_NAME=Other", "GIT_AUTHOR_EMAIL=other@example.com",
		"GIT_COMMITTER_NAME=Other", "GIT_COMMITTER_EMAIL=other@example.com"}
	gitT(f.t, bare, env, "", "read-tree", parent)
	for name, content := range files {
		blob := gitT(f.t, bare, env, content, "hash-object", "-w", "--stdin")
		gitT(f.t, bare, env, "", "update-index", "--add", "--cacheinfo", "100644,"+blob+","+name)
	}
	tree := gitT(f.t, bare, env, "", "write-tree")
	sha := gitT(f.t, bare, env, "", "commit-tree", tree, "-p", parent, "-m", "change by someone else")
	gitT(f.t, bare, env, "", "update-ref", ref, sha)
	return sha
}

// serverRev is what ref points at on the server, or "" if it does not exist.
func (f *fixture) serverRev(path, ref string) string {
	out, err := f.srv.Git(path, "rev-parse", "--verify", "--quiet", ref)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(out)
}

// gitT runs git for the test itself (the server side, or the agent in a worktree).
func gitT(t testing.TB, dir string, env []string, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v in %s: %v\n%s", args, dir, err, out)
	}
	return strings.TrimSpace(string(out))
}

// agentGit runs git in a worktree the way the agent would: found through the .git file.
func agentGit(t testing.TB, dir string, args ...string) string {
	t.Helper()
	return gitT(t, dir, []string{"GIT_AUTHOR_NAME=Agent", "GIT_AUTHOR_EMAIL=agent@example.com",
		"GIT_COMMITTER_NAME=Agent", "GIT_COMMITTER_EMAIL=agent@example.com"}, "", args...)
}

func write(t testing.TB, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t testing.TB, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func exists(dir, name string) bool {
	_, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(name)))
	return err == nil
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func prepare(t testing.TB, m *Manager, p Project, ref string) *Workspace {
	t.Helper()
	ws, err := m.Prepare(ctxT(t), p, ref)
	if err != nil {
		t.Fatalf("Prepare(%q): %v", ref, err)
	}
	return ws
}

var sampleFiles = map[string]string{
	"README.md":  "hello\n",
	"src/app.go": "package app\n\nfunc Answer() int { return 41 }\n",
	".gitignore": "*.log\nbuild/\n",
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func fmtFiles(n int) map[string]string {
	files := make(map[string]string, n)
	for i := range n {
		files[fmt.Sprintf("d%03d/f%05d.txt", i/100, i)] = fmt.Sprintf("file %d\n", i)
	}
	return files
}
