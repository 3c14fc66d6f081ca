package sandbox

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// copyGitDir switches off the copy of the worktree's git dir, for the tests' control runs only:
// the agent then writes the service's own HEAD, index, commondir and gitdir.
var copyGitDir = true

// gitBinds let git work in a linked worktree: the worktree's .git file names its git dir inside
// the project's mirror. The mirror is bound read-only (the agent may read its own project's
// history: git log, diff, status), its worktrees/ folder is hidden (other runs of the project).
// The run's git dir is a copy the agent may write (git status refreshes the index, git add and
// git restore work) and that goes with the run: the service never reads what the agent wrote
// there (HEAD, index, commondir, gitdir, a config of its own). Commits are the service's job;
// the agent cannot write objects. Other projects' mirrors do not exist inside.
func gitBinds(dir string) (args []string, undo func() error, err error) {
	data, err := os.ReadFile(filepath.Join(dir, ".git"))
	if err != nil {
		return nil, nil, nil // a plain repository (its .git is inside the worktree), or none
	}
	gitDir, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir: ")
	if !ok || !filepath.IsAbs(gitDir) {
		return nil, nil, nil
	}
	common, err := os.ReadFile(filepath.Join(gitDir, "commondir"))
	if err != nil {
		return nil, nil, fmt.Errorf("sandbox: git dir %s of the worktree has no commondir: %w", gitDir, err)
	}
	mirror := filepath.Clean(filepath.Join(gitDir, strings.TrimSpace(string(common))))
	if filepath.Dir(gitDir) != filepath.Join(mirror, "worktrees") {
		return nil, nil, fmt.Errorf("sandbox: git dir %s is not a worktree of %s", gitDir, mirror)
	}
	bound := gitDir
	if copyGitDir {
		if bound, err = copyFiles(gitDir); err != nil {
			return nil, nil, fmt.Errorf("sandbox: copy the worktree's git dir: %w", err)
		}
		undo = func() error { return os.RemoveAll(bound) }
	}
	return []string{"--ro-bind", mirror, mirror, "--tmpfs", filepath.Join(mirror, "worktrees"),
		"--bind", bound, gitDir}, undo, nil
}

// copyFiles copies the regular files of dir (HEAD, index, commondir, gitdir; not its folders
// such as logs/) into a new temporary folder.
func copyFiles(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp("", "claude-gitdir-")
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasSuffix(e.Name(), ".lock") {
			continue
		}
		if err := copyFile(filepath.Join(dir, e.Name()), filepath.Join(tmp, e.Name())); err != nil {
			os.RemoveAll(tmp)
			return "", err
		}
	}
	return tmp, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}
