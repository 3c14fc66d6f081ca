package workspace

import (
	"context"
	"fmt"
	"strings"
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
