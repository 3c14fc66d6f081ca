package workspace

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
)

func TestWikiProject(t *testing.T) {
	cases := []struct{ in, want Project }{
		{Project{ID: 7, Path: "acme/demo", CloneURL: "https://gitlab.example.com/acme/demo.git"},
			Project{ID: 7, Path: "acme/demo.wiki", CloneURL: "https://gitlab.example.com/acme/demo.wiki.git", Wiki: true}},
		{Project{ID: 8, Path: "g/sub/p", CloneURL: "http://gl:8080/g/sub/p"},
			Project{ID: 8, Path: "g/sub/p.wiki", CloneURL: "http://gl:8080/g/sub/p.wiki.git", Wiki: true}},
	}
	for _, c := range cases {
		if got := WikiProject(c.in); got != c.want {
			t.Errorf("WikiProject(%+v) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

// A page's file is <slug> with its format's extension, else the one file <slug>.*; a slug that
// leaves the worktree, or names no file or several, is an error.
func TestWikiFile(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"home.md", "notes.rdoc", "guide.asciidoc", "plan.org", "docs/setup.md",
		"odd.markdown", "twice.txt", "twice.text"} {
		write(t, dir, name, "page\n")
	}
	cases := []struct{ slug, format, want, err string }{
		{"home", "markdown", "home.md", ""},
		{"home", "", "home.md", ""},
		{"notes", "rdoc", "notes.rdoc", ""},
		{"guide", "asciidoc", "guide.asciidoc", ""},
		{"plan", "org", "plan.org", ""},
		{"docs/setup", "markdown", "docs/setup.md", ""},
		{"odd", "markdown", "odd.markdown", ""},
		{"notes", "markdown", "notes.rdoc", ""},
		{"twice", "markdown", "", `wiki page "twice": no file twice.md in the wiki's repository`},
		{"missing", "org", "", `wiki page "missing": no file missing.org in the wiki's repository`},
		{"../escape", "markdown", "", `wiki page "../escape": not a page path`},
		{"/etc/passwd", "markdown", "", `wiki page "/etc/passwd": not a page path`},
	}
	for _, c := range cases {
		got, err := WikiFile(dir, c.slug, c.format)
		if got != c.want || (err == nil) != (c.err == "") || err != nil && err.Error() != c.err {
			t.Errorf("WikiFile(%q, %q) = %q, %v; want %q, %q", c.slug, c.format, got, err, c.want, c.err)
		}
	}
}

// The page is rewritten only when the edit changes it; a page that is gone is no error.
func TestEditWikiPage(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "docs/page.md", "keep\n@bot please fix\n")
	write(t, dir, "same.md", "keep\n")
	drop := func(s string) string { return strings.ReplaceAll(s, "@bot please fix\n", "") }
	must(t, EditWikiPage(dir, "docs/page.md", drop))
	if got := read(t, dir, "docs/page.md"); got != "keep\n" {
		t.Errorf("the edited page = %q", got)
	}
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	must(t, os.Chtimes(filepath.Join(dir, "same.md"), old, old))
	must(t, EditWikiPage(dir, "same.md", drop))
	if fi, err := os.Stat(filepath.Join(dir, "same.md")); err != nil || !fi.ModTime().Equal(old) {
		t.Errorf("an unchanged page was written again: %v, %v", fi, err)
	}
	if err := EditWikiPage(dir, "gone.md", drop); err != nil {
		t.Errorf("a page that is gone: %v", err)
	}
	must(t, os.Mkdir(filepath.Join(dir, "adir.md"), 0o755))
	if err := EditWikiPage(dir, "adir.md", drop); err == nil || !strings.HasPrefix(err.Error(), "read the wiki page: ") {
		t.Errorf("an unreadable page = %v", err)
	}
}

func TestPreferredBranch(t *testing.T) {
	cases := []struct {
		branches []string
		want     string
	}{
		{[]string{"zeta", "main", "master"}, "main"},
		{[]string{"zeta", "master"}, "master"},
		{[]string{"trunk", "zeta"}, "trunk"},
		{nil, ""},
	}
	for _, c := range cases {
		if got := preferredBranch(c.branches); got != c.want {
			t.Errorf("preferredBranch(%q) = %q, want %q", c.branches, got, c.want)
		}
	}
}

// The wiki's branch is the one the server's HEAD pointed at when the worktree was prepared at "";
// a commit that no branch holds has none.
func TestWikiBranch(t *testing.T) {
	f := newFixture(t)
	p, sha := f.repo("group/wiki", map[string]string{"home.md": "# Home\n"})
	gitT(t, f.srv.RepoDir("group/wiki"), nil, "", "update-ref", "refs/heads/zeta", sha)
	ws := prepare(t, f.m, p, "")
	defer ws.Release()
	if got, err := ws.WikiBranch(ctxT(t), ws.BaseSHA); err != nil || got != "main" {
		t.Errorf("WikiBranch = %q, %v; want main", got, err)
	}
	write(t, ws.Dir, "home.md", "# Home, edited\n")
	head, err := ws.Commit(ctxT(t), bot, "edit home")
	must(t, err)
	want := "the wiki's default branch: no branch holds " + event.ShortSHA(head)
	if _, err := ws.WikiBranch(ctxT(t), head); err == nil || err.Error() != want {
		t.Errorf("WikiBranch of a commit no branch holds = %v, want %q", err, want)
	}
}
