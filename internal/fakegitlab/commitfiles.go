package fakegitlab

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// CommitFiles commits files (path → content) on top of branch from and stores the commit as
// branch to (which may equal from), as a developer's push would. It returns the new commit's SHA.
func (g *GitLab) CommitFiles(projectID int64, from, to string, files map[string]string) string {
	return g.CommitChanges(projectID, from, to, files, nil)
}

// Git runs git in a project's bare repository (e.g. `repack -adq`, as GitLab keeps repositories
// packed), and returns its trimmed output.
func (g *GitLab) Git(projectID int64, args ...string) (string, error) {
	return g.repoGit(projectID, args...)
}

// repoGit runs git in a project's bare repository, for the read helpers below.
func (g *GitLab) repoGit(projectID int64, args ...string) (string, error) {
	g.mu.Lock()
	path := g.mustProject(projectID).Path
	g.mu.Unlock()
	out, err := g.git.Git(path, args...)
	return strings.TrimSpace(out), err
}

// FileAt returns a file's content at a revision, for assertions.
func (g *GitLab) FileAt(projectID int64, rev, file string) (string, error) {
	out, err := g.repoGit(projectID, "show", rev+":"+file)
	if err != nil {
		return "", err
	}
	return out + "\n", nil
}

// CommitInfo returns a commit's author name and full message, for assertions.
func (g *GitLab) CommitInfo(projectID int64, sha string) (author, message string) {
	out, _ := g.repoGit(projectID, "show", "-s", "--format=%an%x00%B", sha)
	author, message, _ = strings.Cut(out, "\x00")
	return author, message
}

// BranchSHA returns a branch's tip, "" when it does not exist.
func (g *GitLab) BranchSHA(projectID int64, branch string) string {
	out, err := g.repoGit(projectID, "rev-parse", "--verify", "--quiet", "refs/heads/"+branch)
	if err != nil {
		return ""
	}
	return out
}

// Parent returns a commit's first parent.
func (g *GitLab) Parent(projectID int64, sha string) string {
	out, _ := g.repoGit(projectID, "rev-parse", sha+"^")
	return out
}

// CommitChanges is CommitFiles that can also remove files (remove) and rename them (rename:
// old path → new path, content kept), for diffs with every kind of line. It returns the SHA.
func (g *GitLab) CommitChanges(projectID int64, from, to string, files map[string]string, rename map[string]string, remove ...string) string {
	g.mu.Lock()
	dir := g.git.RepoDir(g.mustProject(projectID).Path)
	g.mu.Unlock()
	tmp, err := os.MkdirTemp("", "fakegitlab-index-")
	if err != nil {
		panic(fmt.Sprintf("fakegitlab: %v", err))
	}
	defer os.RemoveAll(tmp)
	env := []string{"GIT_DIR=" + dir, "GIT_INDEX_FILE=" + filepath.Join(tmp, "index"),
		"GIT_AUTHOR_NAME=Alice", "GIT_AUTHOR_EMAIL=alice@example.com",
		"GIT_COMMITTER_NAME=Alice", "GIT_COMMITTER_EMAIL=alice@example.com"}
	run := func(stdin string, args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Env = append(os.Environ(), env...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.Output()
		if err != nil {
			panic(fmt.Sprintf("fakegitlab: git %v: %v", args, err))
		}
		return strings.TrimSpace(string(out))
	}
	parent := run("", "rev-parse", "refs/heads/"+from)
	run("", "read-tree", parent)
	for old, name := range rename {
		blob := run("", "rev-parse", parent+":"+old)
		run(removal(old), "update-index", "--index-info")
		run("", "update-index", "--add", "--cacheinfo", "100644,"+blob+","+name)
	}
	for _, name := range remove {
		run(removal(name), "update-index", "--index-info")
	}
	for name, content := range files {
		blob := run(content, "hash-object", "-w", "--stdin")
		run("", "update-index", "--add", "--cacheinfo", "100644,"+blob+","+name)
	}
	tree := run("", "write-tree")
	sha := run("Change "+to+"\n", "commit-tree", tree, "-p", parent)
	run("", "update-ref", "refs/heads/"+to, sha)
	return sha
}

// removal is the --index-info line that drops a path (a bare repository has no work tree for
// --force-remove).
func removal(path string) string {
	return "0 0000000000000000000000000000000000000000\t" + path + "\n"
}
