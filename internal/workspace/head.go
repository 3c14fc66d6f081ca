package workspace

import "context"

// Head is the commit the worktree is at: after a rebase, the rebased commit to report.
func (w *Workspace) Head(ctx context.Context) (string, error) { return w.head(ctx) }
