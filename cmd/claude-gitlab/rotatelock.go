package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
)

// rotationHold is how long one rotation keeps others out. Rotating a token GitLab already
// rotated makes GitLab revoke the new one (gitlab#524639): a second rotation right after the
// first, from a replica or a cron job still holding the old token, would leave no valid token.
const rotationHold = 10 * time.Minute

// canRotate refuses on a GitLab without token self-rotation (before 16.10), where the call
// would answer 404; a hidden version is tried.
func canRotate(ctx context.Context, gl *gitlab.Client) error {
	v, err := gl.Version(ctx)
	if err != nil {
		return nil // the rotation itself says what is wrong
	}
	if ok, known := gitlab.AtLeast(v, gitlab.SinceRotateSelf); known && !ok {
		return fmt.Errorf("rotate-token: GitLab %s cannot rotate a token by itself (POST /personal_access_tokens/self/rotate arrived in 16.10)\n"+
			"fix: create a new token in GitLab (User settings → Access tokens, or the project's Access tokens), put it in GITLAB_TOKEN, and revoke the old one", v)
	}
	return nil
}

// rotationLease takes the database lease that lets one rotation run at a time across replicas
// (SQLite or PostgreSQL, whichever DATA_DIR/DATABASE_URL names). The returned release keeps the
// lease after a rotation GitLab may have carried out (so a second one within rotationHold is
// refused) and gives it back when GitLab refused the rotation.
func rotationLease(ctx context.Context, cfg config.Config) (func(error), error) {
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("rotate-token: open the database to take the rotation lock: %w", err)
	}
	ok, since, err := db.TryLease(ctx, "rotate-token", rotationHold)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("rotate-token: %w", err)
	}
	if !ok {
		db.Close()
		return nil, fmt.Errorf("rotate-token: another rotation started %s ago (this or another replica, or a cron job); "+
			"rotating again with the old token would make GitLab revoke the new one\n"+
			"fix: wait; the new token is in GITLAB_TOKEN once that rotation finishes (check with `claude-gitlab doctor`); "+
			"a rotation may run again %s after the last one", time.Since(since).Round(time.Second), rotationHold)
	}
	return func(rotateErr error) {
		defer db.Close()
		var ae *gitlab.APIError
		if errors.As(rotateErr, &ae) { // GitLab answered no: nothing was rotated
			_ = db.ReleaseLease(context.WithoutCancel(ctx), "rotate-token")
		}
	}, nil
}
