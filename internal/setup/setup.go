// Package setup makes a GitLab webhook match what the service needs: Diff is the pure decision
// (what to create or change), Apply carries it out. `claude-gitlab setup` is a thin command over it.
package setup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
)

// Options are the command's flags.
type Options struct {
	URL         string // where GitLab delivers, e.g. https://claude.example.com/webhook
	Secret      string // WEBHOOK_SECRET
	Pipeline    bool   // also pipeline events (fixing failed pipelines)
	Wiki        bool   // also wiki page events
	InsecureSSL bool   // turn GitLab's certificate check of our endpoint off
	// SigningToken is WEBHOOK_SIGNING_TOKEN (whsec_…), written as the hook's signing_token.
	SigningToken string
}

// SigningReport reads signing_token_present back after setup wrote signing_token: GitLab ignores
// the token silently where its webhook_signing_token flag is off, and before 19.0 it has no such
// field at all. "" when no signing token was asked for.
func SigningReport(h gitlab.Hook, asked bool) string {
	switch {
	case !asked:
		return ""
	case h.SigningUnknown:
		return "signing: this GitLab does not report signing_token_present (before 19.0): it does not sign deliveries; " +
			"they are checked by the secret token, and signatures are enforced only once GitLab sends them (WEBHOOK_SIGNING=auto)"
	case !h.SigningTokenPresent:
		return "signing: GitLab ignored signing_token (its webhook_signing_token feature flag is off): " +
			"deliveries are checked by the secret token; signatures are enforced once GitLab sends them (WEBHOOK_SIGNING=auto)"
	}
	return "signing: GitLab stored the signing token and signs deliveries (webhook-signature); the service enforces " +
		"signatures from the first signed delivery it sees"
}

// Wanted is the hook the service needs. Events it never acts on stay off: each one is traffic
// to answer and counts toward GitLab's per-namespace webhook limit.
func Wanted(o Options) gitlab.HookSettings {
	return gitlab.HookSettings{
		URL: o.URL, Token: o.Secret, SigningToken: o.SigningToken, EnableSSLVerification: !o.InsecureSSL,
		HookEvents: gitlab.HookEvents{
			Issues: true, ConfidentialIssues: true, MergeRequests: true, Notes: true, ConfidentialNotes: true,
			Pipelines: o.Pipeline, WikiPages: o.Wiki,
		},
	}
}

// NewSecret is a webhook secret for when WEBHOOK_SECRET is not set: 32 random bytes in hex.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails on supported platforms
	return hex.EncodeToString(b)
}

// Change is one setting that differs.
type Change struct {
	Setting  string
	From, To string
}

// Plan is what Apply will do.
type Plan struct {
	Create     bool
	Existing   gitlab.Hook   // the hook to update, when !Create
	Changes    []Change      // settings that differ (the secret is always written: it cannot be read back)
	Duplicates []gitlab.Hook // other hooks with the same URL: each delivers every event again
	Settings   gitlab.HookSettings
}

// Diff decides between creating a hook and updating ours: ours is the first one whose URL is
// the wanted URL (a trailing slash aside).
func Diff(existing []gitlab.Hook, want gitlab.HookSettings) Plan {
	p := Plan{Create: true, Settings: want}
	for _, h := range existing {
		if !sameURL(h.URL, want.URL) {
			continue
		}
		if !p.Create {
			p.Duplicates = append(p.Duplicates, h)
			continue
		}
		p.Create, p.Existing = false, h
		p.Changes = changes(h, want)
	}
	return p
}

func sameURL(a, b string) bool { return strings.TrimRight(a, "/") == strings.TrimRight(b, "/") }

func changes(h gitlab.Hook, want gitlab.HookSettings) []Change {
	var out []Change
	diff := func(name string, have, wanted bool) {
		if have != wanted {
			out = append(out, Change{name, onOff(have), onOff(wanted)})
		}
	}
	if h.URL != want.URL {
		out = append(out, Change{"URL", h.URL, want.URL})
	}
	e, w := h.HookEvents, want.HookEvents
	diff("push events", e.Push, w.Push)
	diff("tag push events", e.TagPush, w.TagPush)
	diff("issues events", e.Issues, w.Issues)
	diff("confidential issues events", e.ConfidentialIssues, w.ConfidentialIssues)
	diff("merge request events", e.MergeRequests, w.MergeRequests)
	diff("comments (note events)", e.Notes, w.Notes)
	diff("confidential comments", e.ConfidentialNotes, w.ConfidentialNotes)
	diff("job events", e.Jobs, w.Jobs)
	diff("pipeline events", e.Pipelines, w.Pipelines)
	diff("wiki page events", e.WikiPages, w.WikiPages)
	diff("SSL verification", h.EnableSSLVerification, want.EnableSSLVerification)
	if !h.TokenPresent && !h.TokenUnknown { // unknown: it is written anyway
		out = append(out, Change{"secret token", "none", "set"})
	}
	return out
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// Describe is the plan in lines for a person; verb is "will" or "would" (--dry-run).
func (p Plan) Describe(scope gitlab.HookScope, verb string) []string {
	var lines []string
	if p.Create {
		lines = append(lines, fmt.Sprintf("%s create a webhook on %s → %s", verb, scope, p.Settings.URL),
			"  events: "+eventList(p.Settings.HookEvents)+"; SSL verification "+onOff(p.Settings.EnableSSLVerification))
	} else {
		lines = append(lines, fmt.Sprintf("%s update webhook %d on %s → %s", verb, p.Existing.ID, scope, p.Existing.URL))
		for _, c := range p.Changes {
			lines = append(lines, fmt.Sprintf("  %s: %s → %s", c.Setting, c.From, c.To))
		}
		if len(p.Changes) == 0 {
			lines = append(lines, "  settings already right; the secret token is written again (GitLab never shows it back)")
		}
	}
	for _, d := range p.Duplicates {
		lines = append(lines, fmt.Sprintf("! webhook %d has the same URL: GitLab delivers every event to both; delete it in Settings → Webhooks", d.ID))
	}
	return lines
}

func eventList(e gitlab.HookEvents) string {
	names := []string{}
	for _, x := range []struct {
		on   bool
		name string
	}{{e.Issues, "issues"}, {e.ConfidentialIssues, "confidential issues"}, {e.MergeRequests, "merge requests"},
		{e.Notes, "comments"}, {e.ConfidentialNotes, "confidential comments"}, {e.Pipelines, "pipelines"},
		{e.WikiPages, "wiki pages"}, {e.Push, "pushes"}} {
		if x.on {
			names = append(names, x.name)
		}
	}
	return strings.Join(names, ", ")
}

// Hooks is the part of the GitLab client setup needs.
type Hooks interface {
	ListHooks(ctx context.Context, s gitlab.HookScope) ([]gitlab.Hook, error)
	AddHook(ctx context.Context, s gitlab.HookScope, set gitlab.HookSettings) (gitlab.Hook, error)
	EditHook(ctx context.Context, s gitlab.HookScope, id int64, set gitlab.HookSettings) (gitlab.Hook, error)
}

// PlanFor reads the scope's hooks and diffs them against want.
func PlanFor(ctx context.Context, gl Hooks, scope gitlab.HookScope, want gitlab.HookSettings) (Plan, error) {
	hooks, err := gl.ListHooks(ctx, scope)
	if err != nil {
		return Plan{}, withFix(err)
	}
	return Diff(hooks, want), nil
}

// Apply carries the plan out.
func Apply(ctx context.Context, gl Hooks, scope gitlab.HookScope, p Plan) (gitlab.Hook, error) {
	var h gitlab.Hook
	var err error
	if p.Create {
		h, err = gl.AddHook(ctx, scope, p.Settings)
	} else {
		h, err = gl.EditHook(ctx, scope, p.Existing.ID, p.Settings)
	}
	return h, withFix(err)
}

// withFix says what to do about the refusals people meet here.
func withFix(err error) error {
	switch {
	case err == nil:
		return nil
	case hasStatus(err, 403):
		return fmt.Errorf("%w\nfix: managing webhooks needs the Maintainer role (Owner for group hooks); give it to the bot, "+
			"or run setup once with a maintainer's token: GITLAB_TOKEN=<their token> claude-gitlab setup …", err)
	case hasStatus(err, 404):
		return fmt.Errorf("%w\nfix: check the path (as in the URL, e.g. group/project) and that the token's user is a member; "+
			"group webhooks need a paid tier", err)
	case hasStatus(err, 422, 400):
		return fmt.Errorf("%w\nfix: GitLab refused the URL; a self-managed GitLab blocks local addresses unless an admin allows them "+
			"(Admin → Settings → Network → Outbound requests → Allow requests to the local network from webhooks)", err)
	}
	return err
}

func hasStatus(err error, statuses ...int) bool {
	var ae *gitlab.APIError
	if !errors.As(err, &ae) {
		return false
	}
	for _, s := range statuses {
		if ae.Status == s {
			return true
		}
	}
	return false
}
