package workspace

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Author is who a commit is written as (author and committer).
type Author struct {
	Name  string
	Email string
}

// maxDiff bounds Diff: it ends up in a comment, and GitLab notes have a size limit.
const maxDiff = 1 << 20

// git runs a command in the worktree after putting the shared config and the worktree's git dir
// back (see harden.go): the agent, or another job's agent, may have changed them. A command that
// reads the worktree's files (status, add, rebase) comes after a sweep as well.
func (w *Workspace) git(ctx context.Context, c gitCmd) (result, error) {
	if err := w.t.p.pinConfig(w.pr); err != nil {
		return result{}, err
	}
	if err := w.t.checkAdmin(); err != nil {
		return result{}, err
	}
	return w.t.cmd(ctx, c)
}

func (w *Workspace) head(ctx context.Context) (string, error) {
	res, err := w.git(ctx, gitCmd{args: []string{"rev-parse", "--verify", "HEAD"}})
	return strings.TrimSpace(res.stdout), err
}

// Changed says whether the job left anything to publish: a change to the files (untracked ones
// included, ignored ones not) or commits of its own on top of BaseSHA.
func (w *Workspace) Changed(ctx context.Context) (bool, error) {
	head, err := w.head(ctx)
	if err != nil {
		return false, fmt.Errorf("changed: %w", err)
	}
	if head != w.BaseSHA {
		return true, nil
	}
	if err := w.sweep(); err != nil {
		return false, fmt.Errorf("changed: %w", err)
	}
	args := append([]string{"status", "--porcelain", "-z", "--untracked-files=normal"}, noSubmodules()...)
	if specs := w.excludes(); specs != nil {
		args = append(append(args, "--"), specs...)
	}
	res, err := w.git(ctx, gitCmd{args: args})
	if err != nil {
		return false, fmt.Errorf("changed: %w", err)
	}
	return res.stdout != "", nil
}

// CommitChanges commits what the job left (Changed, then Commit) and returns the new HEAD, or ""
// when it left nothing.
func (w *Workspace) CommitChanges(ctx context.Context, author Author, message string) (string, error) {
	changed, err := w.Changed(ctx)
	if err != nil || !changed {
		return "", err
	}
	sha, err := w.Commit(ctx, author, message)
	if errors.Is(err, ErrNothingToCommit) {
		return "", nil
	}
	return sha, err
}

// Commit commits every change in the worktree as author (also the committer) and returns the new
// HEAD. Commits the agent made itself are kept beneath it. With no file change but such commits,
// it returns HEAD as is; with neither, ErrNothingToCommit.
func (w *Workspace) Commit(ctx context.Context, author Author, message string) (string, error) {
	if author.Name == "" || author.Email == "" || strings.TrimSpace(message) == "" {
		return "", errors.New("commit: author name, email and message are required")
	}
	// The agent has finished: an index.lock now is one it left when it was killed.
	os.Remove(filepath.Join(w.t.gitDir, "index.lock"))
	if err := w.stage(ctx, nil); err != nil {
		return "", fmt.Errorf("commit: %w", err)
	}
	staged, err := w.staged(ctx)
	if err != nil {
		return "", fmt.Errorf("commit: %w", err)
	}
	if staged {
		args := []string{"commit", "--quiet", "--no-verify", "--cleanup=whitespace", "--file=-"}
		if _, err := w.git(ctx, gitCmd{args: args, stdin: message, env: author.env()}); err != nil {
			return "", fmt.Errorf("commit: %w", err)
		}
	}
	head, err := w.head(ctx)
	if err != nil {
		return "", fmt.Errorf("commit: %w", err)
	}
	if head == w.BaseSHA {
		return "", ErrNothingToCommit
	}
	if hardened && w.descends(ctx, head, w.BaseSHA) != nil {
		return "", fmt.Errorf("commit: %w", errHeadMoved)
	}
	return head, nil
}

// staged says whether the index differs from HEAD.
func (w *Workspace) staged(ctx context.Context) (bool, error) {
	_, err := w.git(ctx, gitCmd{args: []string{"diff", "--cached", "--quiet", "--no-ext-diff", "--ignore-submodules=none"}})
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 {
		return true, nil
	}
	return false, err
}

func (a Author) env() []string {
	return []string{
		"GIT_AUTHOR_NAME=" + a.Name, "GIT_AUTHOR_EMAIL=" + a.Email,
		"GIT_COMMITTER_NAME=" + a.Name, "GIT_COMMITTER_EMAIL=" + a.Email,
	}
}

// Diff is a stat and a patch of everything the job changed since BaseSHA, committed or not, new
// files included, cut at 1 MiB. It leaves the worktree's index alone.
func (w *Workspace) Diff(ctx context.Context) (string, error) {
	index, cleanup, err := w.scratchIndex()
	if err != nil {
		return "", fmt.Errorf("diff: %w", err)
	}
	defer cleanup()
	env := []string{"GIT_INDEX_FILE=" + index}
	if err := w.stage(ctx, env); err != nil {
		return "", fmt.Errorf("diff: %w", err)
	}
	var out bytes.Buffer
	lim := &limitedBuffer{max: maxDiff, buf: &out}
	args := append([]string{"diff", "--cached", "--stat", "--patch", "--no-color", "--no-ext-diff", "--no-textconv"}, noSubmodules()...)
	args = append(args, w.BaseSHA)
	if _, err := w.git(ctx, gitCmd{args: args, env: env, stdout: lim}); err != nil {
		return "", fmt.Errorf("diff: %w", err)
	}
	if lim.truncated {
		out.WriteString("\n[diff cut at 1 MiB]\n")
	}
	return w.t.p.m.redactor().Redact(out.String()), nil
}

// scratchIndex copies the worktree's index (a copy keeps its file stat data, so git need not
// read every file again) to a file Diff may change.
func (w *Workspace) scratchIndex() (string, func(), error) {
	src, err := os.Open(filepath.Join(w.t.gitDir, "index"))
	if err != nil {
		return "", nil, err
	}
	defer src.Close()
	dst, err := os.CreateTemp(w.t.gitDir, "index.diff-*")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.Remove(dst.Name()) }
	_, err = io.Copy(dst, src)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		cleanup()
		return "", nil, err
	}
	return dst.Name(), cleanup, nil
}
