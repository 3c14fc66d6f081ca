package workspace

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
)

// BranchesAt lists the server's branches, as last fetched, whose tip is sha: after a Prepare at ""
// (the server's HEAD), the default branch is among them.
func (w *Workspace) BranchesAt(ctx context.Context, sha string) ([]string, error) {
	if !isSHA(sha) {
		return nil, fmt.Errorf("branches at %q: not a commit", sha)
	}
	res, err := w.t.p.mirrorCmd(ctx, gitCmd{args: []string{"for-each-ref", "--points-at", sha,
		"--format=%(refname:lstrip=3)", "refs/remotes/origin/"}})
	if err != nil {
		return nil, fmt.Errorf("branches at %s: %w", sha, err)
	}
	var out []string
	for _, b := range strings.Fields(res.stdout) {
		if b != "HEAD" {
			out = append(out, b)
		}
	}
	return out, nil
}

// WikiBranch is the wiki's default branch as the worktree's server showed it: the branch whose
// tip is base, the commit a Prepare at "" (the server's HEAD) started from.
func (w *Workspace) WikiBranch(ctx context.Context, base string) (string, error) {
	branches, err := w.BranchesAt(ctx, base)
	if err != nil {
		return "", err
	}
	if b := preferredBranch(branches); b != "" {
		return b, nil
	}
	return "", fmt.Errorf("the wiki's default branch: no branch holds %s", event.ShortSHA(base))
}

// preferredBranch picks among branches at the same commit: main, else master, else the first.
func preferredBranch(branches []string) string {
	for _, b := range []string{"main", "master"} {
		if slices.Contains(branches, b) {
			return b
		}
	}
	if len(branches) > 0 {
		return branches[0]
	}
	return ""
}
