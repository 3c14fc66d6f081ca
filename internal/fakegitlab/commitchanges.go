package fakegitlab

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

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
