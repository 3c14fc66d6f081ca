package publish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

// NotAppliedError is a push refused because the branch moved while Claude worked, and the change
// does not apply on top of it: the one rebase failed (Err; workspace.ErrConflict on a conflict).
type NotAppliedError struct {
	Branch string
	Err    error
}

func (e *NotAppliedError) Error() string {
	return fmt.Sprintf("the branch %s changed while Claude worked and the change does not apply on top of it: %v", e.Branch, e.Err)
}

func (e *NotAppliedError) Unwrap() error { return e.Err }

// PushWithLease pushes the worktree's commits on top of branch, never forcing: the lease is on
// the tip they were made on, so a branch someone pushed to meanwhile refuses the push. Then one
// rebase onto its new tip and one more try (lease on that tip). A rebase that fails is a
// *NotAppliedError; any other error is the push's.
func PushWithLease(ctx context.Context, ws *workspace.Workspace, branch, lease string, log *slog.Logger) error {
	err := ws.Push(ctx, branch, workspace.PushOptions{ExpectRemoteSHA: lease})
	if !errors.Is(err, workspace.ErrStale) {
		return err
	}
	log.Info("publish: the branch moved while Claude worked; rebasing once", "branch", branch)
	if err := ws.RebaseOnto(ctx, branch); err != nil {
		return &NotAppliedError{Branch: branch, Err: err}
	}
	return ws.Push(ctx, branch, workspace.PushOptions{ExpectRemoteSHA: ws.BaseSHA})
}
