package workspace

import (
	"context"
	"fmt"
	"strings"
)

// ChangedFiles lists every path the job's commits changed since BaseSHA; a renamed file counts
// with both its old and new name. Two commits are compared, not the worktree: a submodule's
// commit counts, and no submodule is entered.
func (w *Workspace) ChangedFiles(ctx context.Context) ([]string, error) {
	res, err := w.git(ctx, gitCmd{args: []string{"diff", "--name-only", "-z", "--no-renames", "--no-ext-diff",
		"--ignore-submodules=none", w.BaseSHA, "HEAD", "--"}})
	if err != nil {
		return nil, fmt.Errorf("changed files: %w", err)
	}
	var out []string
	for _, p := range strings.Split(res.stdout, "\x00") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out, nil
}
