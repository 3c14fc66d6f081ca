package job

import (
	"context"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/authz"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// Authorize decides about req's author (authz.Checker.Authorize with the Runner's rules).
func (r *Runner) Authorize(ctx context.Context, req trigger.Request) (authz.Decision, authz.Asker, error) {
	bot, err := r.botUser(ctx)
	if err != nil {
		return authz.Decision{}, authz.Asker{ID: req.Author.ID, Username: req.Author.Username}, err
	}
	return r.checker().Authorize(ctx, req, bot)
}

// checker is the Runner's authorisation rules, reading GitLab through the Runner's client.
func (r *Runner) checker() authz.Checker {
	return authz.Checker{GitLab: r.GitLab, Lists: r.Allow, Cache: r.cache(), MinAccessLevel: r.Settings.MinAccessLevel, Log: r.log()}
}

// cache is the Runner's authz.Cache, made on first use.
func (r *Runner) cache() *authz.Cache {
	r.botOnce.Lock()
	defer r.botOnce.Unlock()
	if r.auth == nil {
		r.auth = &authz.Cache{}
	}
	return r.auth
}

// hidesSharedMembers: see authz.HidesSharedMembers.
func (r *Runner) hidesSharedMembers(ctx context.Context, level int) string {
	return authz.HidesSharedMembers(ctx, r.GitLab, level)
}
