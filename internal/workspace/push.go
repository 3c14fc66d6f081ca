package workspace

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
)

// PushOptions says what the remote branch must look like for the push to go ahead.
type PushOptions struct {
	// ExpectRemoteSHA is the branch's tip the commits were made on (usually BaseSHA): if the
	// branch has moved since, the push fails with ErrStale rather than overwrite anything.
	ExpectRemoteSHA string
	// Create: the branch must not exist yet (ErrStale if it does), unless it already holds
	// exactly this commit: a retry after a crash then succeeds.
	Create bool
	// Replace, with ExpectRemoteSHA, lets the push replace the branch's commits instead of adding
	// on top (no fast-forward check; the lease still holds). Only for a branch the caller
	// created itself: never for anyone else's.
	Replace bool
	// URL pushes to another repository on the same GitLab (a fork's, for the source branch of a
	// merge request from it) instead of the project's. Another host is refused: the token goes
	// to the project's GitLab only.
	URL string
}

// Push pushes HEAD to branch on GitLab. It fails with ErrProtected, ErrStale or ErrAuth when
// GitLab says so, so callers can open an MR, rebase once, or report the token.
func (w *Workspace) Push(ctx context.Context, branch string, opts PushOptions) error {
	if err := checkRef(branch); err != nil || branch == "" || isSHA(branch) || strings.HasPrefix(branch, "refs/") {
		return fmt.Errorf("push: invalid branch name %q", branch)
	}
	head, err := w.head(ctx)
	if err != nil {
		return fmt.Errorf("push %s: %w", branch, err)
	}
	ref := "refs/heads/" + branch
	args := []string{"push", "--quiet", "--no-verify", "--no-recurse-submodules"}
	switch {
	case opts.Create:
		args = append(args, "--force-with-lease="+ref+":") // empty: must not exist
	case opts.ExpectRemoteSHA != "":
		// A lease alone would let a push replace commits that are not in ours; ancestry first
		// keeps it a fast-forward.
		if err := w.descends(ctx, head, opts.ExpectRemoteSHA); err != nil && !opts.Replace {
			return fmt.Errorf("push %s: %w", branch, err)
		}
		args = append(args, "--force-with-lease="+ref+":"+opts.ExpectRemoteSHA)
	}
	remote := w.pr.CloneURL
	if opts.URL != "" {
		if !strings.HasPrefix(opts.URL, "https://") && !strings.HasPrefix(opts.URL, "http://") ||
			originOf(opts.URL) != originOf(w.pr.CloneURL) {
			return fmt.Errorf("push %s: %s is not on the project's GitLab (%s)", branch, opts.URL, originOf(w.pr.CloneURL))
		}
		remote = opts.URL
	}
	args = append(args, remote, head+":"+ref)
	// From the mirror, not the worktree: nothing the agent wrote in the worktree is read by a
	// command that carries the token.
	if err := w.t.p.pinConfig(w.pr); err != nil {
		return fmt.Errorf("push %s: %w", branch, err)
	}
	if _, err := w.t.p.mirrorCmd(ctx, gitCmd{args: args, auth: remote}); err != nil {
		return fmt.Errorf("push %s: %w", branch, classify(err))
	}
	w.t.p.m.cfg.Log.Info("workspace: pushed", "project", w.pr.Path, "branch", branch, "sha", head)
	return nil
}

func (w *Workspace) descends(ctx context.Context, head, base string) error {
	_, err := w.git(ctx, gitCmd{args: []string{"merge-base", "--is-ancestor", base, head}})
	if err != nil {
		return fmt.Errorf("%s is not on top of %s", event.ShortSHA(head), event.ShortSHA(base))
	}
	return nil
}

// RebaseOnto replays the job's commits (BaseSHA..HEAD) onto the current tip of branch, fetched
// now, for one more try after ErrStale. On success BaseSHA is that tip, which is also what the
// next Push should expect. On a conflict it gives up, leaving HEAD as it was, with ErrConflict.
func (w *Workspace) RebaseOnto(ctx context.Context, branch string) error {
	if err := checkRef(branch); err != nil || branch == "" {
		return fmt.Errorf("rebase onto %q: invalid branch name", branch)
	}
	p := w.t.p
	if err := p.acquire(ctx); err != nil {
		return fmt.Errorf("rebase onto %s: %w", branch, err)
	}
	tip, err := p.sync(ctx, w.pr, strings.TrimPrefix(branch, "refs/heads/"))
	p.release()
	if err != nil {
		return fmt.Errorf("rebase onto %s: %w", branch, err)
	}
	committer, err := w.git(ctx, gitCmd{args: []string{"show", "--no-patch", "--format=%cn%n%ce", "HEAD"}})
	if err != nil {
		return fmt.Errorf("rebase onto %s: %w", branch, err)
	}
	name, email, _ := strings.Cut(strings.TrimSpace(committer.stdout), "\n")
	if err := w.sweep(); err != nil {
		return fmt.Errorf("rebase onto %s: %w", branch, err)
	}
	args := []string{"rebase", "--quiet", "--no-autostash", "--onto", tip, w.BaseSHA}
	if _, err := w.git(ctx, gitCmd{args: args, env: Author{name, email}.env()}); err != nil {
		if !w.t.rebasing() {
			return fmt.Errorf("rebase onto %s: %w", branch, err) // refused to start
		}
		if _, aerr := w.git(ctx, gitCmd{args: []string{"rebase", "--abort"}}); aerr != nil {
			return fmt.Errorf("rebase onto %s: %w (abort failed too: %v)", branch, err, aerr)
		}
		return fmt.Errorf("rebase onto %s: %w: %w", branch, ErrConflict, err)
	}
	w.BaseSHA = tip
	return nil
}

// classify maps git's words to the errors callers decide on. The texts are GitLab's and git's;
// LC_ALL=C keeps git's in English.
func classify(err error) error {
	msg := strings.ToLower(err.Error())
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(msg, w) {
				return true
			}
		}
		return false
	}
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case has("protected branch"):
		return fmt.Errorf("%w: %w", ErrProtected, err)
	case has("authentication failed", "access denied", "returned error: 401", "returned error: 403",
		"could not read username", "could not read password", "not allowed to push code to this project",
		"not allowed to download code", "you don't have permission"):
		return fmt.Errorf("%w: %w", ErrAuth, err)
	case has("pre-receive hook declined", "[remote rejected]"):
		return fmt.Errorf("%w: %w", ErrRejected, err)
	case has("[rejected]", "stale info", "non-fast-forward", "fetch first", "failed to update ref",
		"cannot lock ref", "incorrect old value"):
		return fmt.Errorf("%w: %w", ErrStale, err)
	}
	return err
}
