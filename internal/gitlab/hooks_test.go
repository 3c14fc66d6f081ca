package gitlab

import (
	"errors"
	"testing"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// token_present and signing_token_present arrived with signed webhooks in 19.0; signing_token is
// ignored unless the webhook_signing_token flag is on (the default).
func TestHookTokenFieldsByVersion(t *testing.T) {
	off := false
	const signing = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	for _, tc := range []struct {
		opts                       fakegitlab.Options
		known, present, signingSet bool
	}{
		{fakegitlab.Options{Version: fakegitlab.VersionLTS}, false, false, false},
		{fakegitlab.Options{Version: "19.0.0-ee", WebhookSigning: &off}, true, true, false},
		{fakegitlab.Options{Version: fakegitlab.VersionLatest}, true, true, true},
	} {
		t.Run(tc.opts.Version, func(t *testing.T) {
			w := newFakeWorldAt(t, tc.opts)
			h, err := w.c.AddHook(ctx, ProjectHooks("group/proj"), HookSettings{URL: "https://claude.example.com/webhook",
				Token: "fake-secret-1", SigningToken: signing, HookEvents: HookEvents{Notes: true}})
			if err != nil || h.TokenUnknown == tc.known || h.SigningUnknown == tc.known || h.TokenPresent != tc.present || h.SigningTokenPresent != tc.signingSet {
				t.Fatalf("AddHook = %+v, %v", h, err)
			}
		})
	}
}

func TestFakeGitLabHooks(t *testing.T) {
	w := newFakeWorldAt(t, fakegitlab.Options{Version: fakegitlab.VersionLatest})
	scope := ProjectHooks("group/proj")
	set := HookSettings{URL: "https://claude.example.com/webhook", Token: "fake-secret-1", EnableSSLVerification: true,
		HookEvents: HookEvents{Notes: true, Issues: true}}
	h, err := w.c.AddHook(ctx, scope, set)
	if err != nil || h.ID == 0 || !h.Notes || h.Push || !h.TokenPresent || h.AlertStatus != "executable" {
		t.Fatalf("AddHook = %+v, %v", h, err)
	}
	set.Token, set.Pipelines, set.Notes = "", true, false
	if h, err = w.c.EditHook(ctx, scope, h.ID, set); err != nil || h.Notes || !h.Pipelines || !h.TokenPresent {
		t.Fatalf("EditHook = %+v, %v", h, err)
	}
	if hooks := w.g.Hooks(w.p.ID); len(hooks) != 1 || hooks[0].Token != "fake-secret-1" {
		t.Fatalf("an edit without a token must keep the secret: %+v", hooks)
	}
	w.g.AddHookEvent(w.p.ID, h.ID, fakegitlab.HookEvent{ResponseStatus: "200"})
	w.g.AddHookEvent(w.p.ID, h.ID, fakegitlab.HookEvent{ResponseStatus: "403", CreatedAt: time.Now().Add(-time.Hour)})
	w.g.AddHookEvent(w.p.ID, h.ID, fakegitlab.HookEvent{ResponseStatus: "internal error"})
	failed, err := w.c.FailedDeliveries(ctx, scope, h.ID, 10)
	if err != nil || len(failed) != 2 || failed[0].ResponseStatus != "internal error" || failed[1].ResponseStatus != "403" {
		t.Fatalf("FailedDeliveries = %+v, %v", failed, err)
	}
	hooks, err := w.c.ListHooks(ctx, scope)
	if err != nil || len(hooks) != 1 || hooks[0].ID != h.ID {
		t.Fatalf("ListHooks = %+v, %v", hooks, err)
	}
}

func TestFakeGitLabGroupHooksNeedOwner(t *testing.T) {
	w := newFakeWorld(t)
	scope := GroupHooks("group")
	if _, err := w.c.ListHooks(ctx, scope); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown group: %v", err)
	}
	w.g.AddGroupMember("group", w.bot.ID, fakegitlab.Maintainer)
	if _, err := w.c.ListHooks(ctx, scope); !errors.Is(err, ErrForbidden) {
		t.Fatalf("maintainer: %v", err)
	}
	w.g.AddGroupMember("group", w.bot.ID, fakegitlab.Owner)
	if _, err := w.c.AddHook(ctx, scope, HookSettings{URL: "https://x.example/webhook", HookEvents: HookEvents{Notes: true}}); err != nil {
		t.Fatal(err)
	}
	if hooks := w.g.GroupHooks("group"); len(hooks) != 1 || !hooks[0].NoteEvents {
		t.Fatalf("group hooks = %+v", hooks)
	}
}

func TestFakeGitLabPushRule(t *testing.T) {
	w := newFakeWorld(t)
	if r, err := w.c.PushRule(ctx, w.p.ID); err != nil || r != nil {
		t.Fatalf("no rule: %+v, %v", r, err)
	}
	w.g.SetPushRule(w.p.ID, &gl.ProjectPushRules{CommitMessageRegex: "^JIRA-", RejectUnsignedCommits: true})
	r, err := w.c.PushRule(ctx, w.p.ID)
	if err != nil || r == nil || r.CommitMessageRegex != "^JIRA-" || !r.RejectUnsignedCommits {
		t.Fatalf("rule: %+v, %v", r, err)
	}
}
