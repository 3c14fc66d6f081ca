package workspace

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// After the agent ran, everything in the worktree is hostile: its files, symlinks, .git files and
// folders, attributes, and (where it could write them) the worktree's own git files. The service's
// git then must not follow a repository the agent wrote, nor run anything named in a config file
// the agent could have written. Git runs a program only through config (filters, diff and merge
// drivers, textconv, fsmonitor, hooks, helpers): the service's config is the pinned mirror config,
// command-line -c and GIT_CONFIG_COUNT, and none of them names one. The way around that is a
// repository with a config of the agent's: a submodule's or a nested repository's, which git
// enters to ask whether it is modified (git status, git add). So:
//   - every .git below the worktree's top is removed before the service's git reads the
//     worktree's files (sweep: before status, add, rebase, and the reset for the pool): nothing
//     is left to enter, whatever a command's options;
//   - status and diff ignore submodules, the folders that held a .git are left out of git add,
//     and a submodule's commit (gitlink) is never changed: it stays as BaseSHA has it;
//   - the worktree's git dir is checked and put back (checkAdmin): commondir, gitdir, HEAD, no
//     config of its own.

// hardened switches the above on; only tests switch it off, to show an attack they check for
// would succeed without it (a control run).
var hardened = true

// hardConfig goes on every command line with the keys of safeConfig.
var hardConfig = []string{
	"-c", "diff.ignoreSubmodules=all",
	"-c", "status.submoduleSummary=false",
	"-c", "fetch.recurseSubmodules=false",
	"-c", "push.recurseSubmodules=no",
	"-c", "core.attributesFile=/dev/null",
	"-c", "core.sshCommand=false",
	"-c", "core.pager=cat",
	"-c", "core.editor=true",
	"-c", "sequence.editor=true",
	"-c", "gc.worktreePruneExpire=never",
}

// noSubmodules is the option of status and diff that keeps them out of submodules.
func noSubmodules() []string {
	if !hardened {
		return nil
	}
	return []string{"--ignore-submodules=all"}
}

// sweep removes every .git file, folder or link below the worktree's top, and remembers the
// folders that held one: they stay out of commits. The worktree's own .git file is written
// again. Nothing of the agent runs any more when the service's git does (the sandbox's processes
// are gone), so the walk does not race with it.
func (w *Workspace) sweep() error {
	if !hardened {
		return nil
	}
	top := filepath.Join(w.t.dir, ".git")
	err := filepath.WalkDir(w.t.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if d.IsDir() && d.Name() != ".git" {
			return openUp(path, d)
		}
		if d.Name() != ".git" || path == top {
			return nil
		}
		rel, _ := filepath.Rel(w.t.dir, filepath.Dir(path))
		w.nested[filepath.ToSlash(rel)] = true
		if err := os.RemoveAll(path); err != nil { // a link is removed, not followed
			return err
		}
		if d.IsDir() {
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("remove the repositories the agent nested in the worktree: %w", err)
	}
	return w.t.writeGitFile()
}

// openUp makes a folder the agent left unreadable (chmod 000) readable again, so that the walk
// sees inside it: git does not keep folders' modes, and the worktree is the service's.
func openUp(path string, d fs.DirEntry) error {
	info, err := d.Info()
	if err != nil || info.Mode().Perm()&0o700 == 0o700 {
		return nil
	}
	return os.Chmod(path, info.Mode().Perm()|0o700)
}

// writeGitFile points the worktree's .git at its git dir again; the agent may have replaced it
// by a file pointing elsewhere, a link or a folder.
func (t *tree) writeGitFile() error {
	path := filepath.Join(t.dir, ".git")
	want := "gitdir: " + t.gitDir + "\n"
	if st, err := os.Lstat(path); err == nil && st.Mode().IsRegular() {
		if got, err := os.ReadFile(path); err == nil && string(got) == want {
			return nil
		}
	}
	if err := os.RemoveAll(path); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(want), 0o600)
}

// excludes are the pathspecs that leave the folders that held a nested repository out of a
// command; empty when there were none.
func (w *Workspace) excludes() []string {
	if len(w.nested) == 0 {
		return nil
	}
	specs := []string{":/"}
	for dir := range w.nested {
		specs = append(specs, ":(top,literal,exclude)"+dir)
	}
	return specs
}

// adminFiles are what a linked worktree's git dir holds that git reads to find its repository;
// config and config.worktree would be read as the worktree's own config.
var adminFiles = []string{"commondir", "gitdir", "HEAD", "config", "config.worktree"}

// checkAdmin puts the worktree's git dir back as git made it: commondir and gitdir as they were,
// no config of its own, HEAD a commit or a branch. The sandbox binds a copy of it for the agent,
// so a change here comes from an unconfined run (AGENT_SANDBOX=none); it is logged.
func (t *tree) checkAdmin() error {
	if !hardened {
		return nil
	}
	st, err := os.Lstat(t.gitDir)
	if err != nil || !st.IsDir() {
		return fmt.Errorf("worktree %s: its git dir %s is gone or not a folder", t.dir, t.gitDir)
	}
	var changed []string
	want := map[string]string{"commondir": "../..\n", "gitdir": filepath.Join(t.dir, ".git") + "\n"}
	for _, name := range adminFiles {
		path := filepath.Join(t.gitDir, name)
		got, ok := readRegular(path)
		switch name {
		case "config", "config.worktree":
			if _, err := os.Lstat(path); err == nil {
				changed = append(changed, name)
				if err := os.RemoveAll(path); err != nil {
					return err
				}
			}
			continue
		case "HEAD":
			if ok && validHead(got) {
				continue
			}
			return fmt.Errorf("worktree %s: HEAD of its git dir was changed to %.80q", t.dir, got)
		}
		if ok && got == want[name] {
			continue
		}
		changed = append(changed, name)
		if err := os.RemoveAll(path); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(want[name]), 0o600); err != nil {
			return err
		}
	}
	if len(changed) > 0 {
		t.p.m.cfg.Log.Warn("workspace: the worktree's git files were changed, restored them", "dir", t.dir,
			"files", strings.Join(changed, ","))
	}
	return nil
}

// readRegular reads a file that is a regular file, not a link.
func readRegular(path string) (string, bool) {
	st, err := os.Lstat(path)
	if err != nil || !st.Mode().IsRegular() || st.Size() > 4096 {
		return "", false
	}
	data, err := os.ReadFile(path)
	return string(data), err == nil
}

// validHead is a detached commit or a local branch, as git writes them.
func validHead(s string) bool {
	s, ok := strings.CutSuffix(s, "\n")
	if !ok {
		return false
	}
	if isSHA(s) {
		return true
	}
	branch, ok := strings.CutPrefix(s, "ref: refs/heads/")
	return ok && branch != "" && checkRef(branch) == nil
}

// stage puts every change of the worktree in the index env names (the worktree's, or a scratch
// one): new files too, but not the folders that held a nested repository, and with every
// submodule commit (gitlink) as BaseSHA has it.
func (w *Workspace) stage(ctx context.Context, env []string) error {
	if err := w.sweep(); err != nil {
		return err
	}
	args := []string{"add", "--all"}
	stdin := ""
	if specs := w.excludes(); specs != nil {
		args = append(args, "--pathspec-from-file=-", "--pathspec-file-nul")
		stdin = strings.Join(specs, "\x00") + "\x00"
	}
	if _, err := w.git(ctx, gitCmd{args: args, env: env, stdin: stdin}); err != nil {
		return err
	}
	if !hardened {
		return nil
	}
	return w.keepGitlinks(ctx, env)
}

// keepGitlinks undoes every change of the index to a submodule commit: the agent cannot have
// fetched a submodule, and a gitlink it wrote names a repository of its own.
func (w *Workspace) keepGitlinks(ctx context.Context, env []string) error {
	res, err := w.git(ctx, gitCmd{args: []string{"diff-index", "--cached", "--raw", "-z", "--no-renames",
		"--ignore-submodules=none", w.BaseSHA}, env: env})
	if err != nil {
		return err
	}
	var fix strings.Builder
	fields := strings.Split(res.stdout, "\x00")
	for i := 0; i+1 < len(fields); i += 2 {
		// ":<src mode> <dst mode> <src sha> <dst sha> <status>", then the path
		f := strings.Fields(strings.TrimPrefix(fields[i], ":"))
		if len(f) < 5 || (f[0] != "160000" && f[1] != "160000") {
			continue
		}
		path := fields[i+1]
		if f[0] == "000000" {
			fix.WriteString("0 " + strings.Repeat("0", len(f[2])) + "\t" + path + "\n") // remove
		} else {
			fix.WriteString(f[0] + " " + f[2] + "\t" + path + "\n") // as BaseSHA has it
		}
	}
	if fix.Len() == 0 {
		return nil
	}
	_, err = w.git(ctx, gitCmd{args: []string{"update-index", "--index-info"}, env: env, stdin: fix.String()})
	return err
}

// errHeadMoved: the agent pointed HEAD at a commit that is not on top of BaseSHA.
var errHeadMoved = errors.New("HEAD is not on top of the commit the job started from: the worktree's git files were changed")
