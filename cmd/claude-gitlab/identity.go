package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/authz"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// identity is the bot user, learnt from GET /user at start and kept. Until it is known the service
// still stores triggers (nothing is lost) and /ready says why it is not ready.
type identity struct {
	gl     *gitlab.Client
	phrase string
	auto   bool   // AUTO_REVIEW
	fix    bool   // PIPELINE_FIX
	wiki   bool   // WIKI_ENABLED
	prefix string // BRANCH_PREFIX
	label  string // LABEL_TRIGGER
	log    *slog.Logger

	mu   sync.RWMutex
	user gitlab.User
	err  error
}

func newIdentity(gl *gitlab.Client, phrase string, log *slog.Logger) *identity {
	return &identity{gl: gl, phrase: phrase, log: log, err: errors.New("asking GitLab who the bot is")}
}

// learn asks GET /user until it answers, backing off up to a minute between tries.
func (id *identity) learn(ctx context.Context) {
	wait := time.Second
	for {
		u, err := id.gl.CurrentUser(ctx)
		id.mu.Lock()
		id.user, id.err = u, err
		id.mu.Unlock()
		if err == nil {
			id.log.Info("bot identity", "user_id", u.ID, "username", u.Username)
			return
		}
		id.log.Error("cannot learn the bot's identity from GitLab (GET /user); check GITLAB_URL and GITLAB_TOKEN", "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, time.Minute)
	}
}

func (id *identity) rules() trigger.Rules {
	id.mu.RLock()
	defer id.mu.RUnlock()
	return trigger.Rules{Phrase: id.phrase, BotID: id.user.ID, BotUsername: id.user.Username, AutoReview: id.auto,
		PipelineFix: id.fix, BranchPrefix: id.prefix, Wiki: id.wiki, LabelTrigger: id.label}
}

func (id *identity) ready(context.Context) error {
	id.mu.RLock()
	defer id.mu.RUnlock()
	if id.err != nil {
		return fmt.Errorf("GitLab: %v", id.err)
	}
	return nil
}

// resolveAllowLists resolves ALLOWED_USERS, ALLOWED_BOTS and ALLOWED_PROJECTS to ids at start,
// retrying while GitLab cannot answer (a job meanwhile resolves them itself, or waits).
func resolveAllowLists(ctx context.Context, lists *authz.AllowLists, gl *gitlab.Client, log *slog.Logger) {
	wait := time.Second
	for {
		err := lists.Resolve(ctx, gl, log)
		if err == nil || ctx.Err() != nil {
			return
		}
		log.Warn("could not resolve the allow-lists yet; retrying", "error", err.Error(), "retry_in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Minute)
	}
}
