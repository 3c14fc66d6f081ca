package doctor

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
)

const setupFix = "run `claude-gitlab setup --project %s` (it creates or fixes the webhook)"

// webhook finds our hook (by URL, on the project or a parent group) and checks its settings,
// its disabled state and its recent failed deliveries.
func (d *doctor) webhook(ctx context.Context) []Result {
	if d.project == nil {
		return []Result{skip("webhook", "no project", "fix the project check first")}
	}
	fix := fmt.Sprintf(setupFix, d.project.Path)
	h, scope, all, err := d.findHook(ctx)
	if errors.Is(err, gitlab.ErrForbidden) {
		return []Result{skip("webhook", "listing webhooks needs Maintainer",
			"check Settings → Webhooks by hand, or run doctor with a maintainer's token: GITLAB_TOKEN=<theirs> claude-gitlab doctor --project "+d.project.Path)}
	}
	if err != nil {
		return []Result{fail("webhook", err.Error(), "run doctor again")}
	}
	if h == nil {
		return []Result{d.noHook(all, fix)}
	}
	out := []Result{ok("webhook", fmt.Sprintf("%s hook %d → %s", scope, h.ID, h.URL))}
	if d.o.HookURL == "" {
		out[0] = warn("webhook", fmt.Sprintf("hook %d → %s; PUBLIC_URL is not set, so doctor cannot tell it is ours", h.ID, h.URL),
			"set PUBLIC_URL to the address GitLab reaches the service at")
	}
	out = append(out, hookEvents(*h, fix, d.o.Settings.PipelineFix, d.o.Settings.WikiEnabled), hookSSL(*h, fix), hookSecret(*h, fix),
		d.hookSigning(*h, fix), d.hookStatus(*h))
	return append(out, d.hookDeliveries(ctx, scope, *h))
}

// findHook looks at the project's hooks, then at its groups' (paid tiers), for ours.
func (d *doctor) findHook(ctx context.Context) (*gitlab.Hook, gitlab.HookScope, []gitlab.Hook, error) {
	scope := gitlab.ProjectHooks(d.project.Path)
	hooks, err := d.o.GitLab.ListHooks(ctx, scope)
	if err != nil {
		return nil, scope, nil, err
	}
	if h := d.ours(hooks); h != nil {
		return h, scope, hooks, nil
	}
	for dir := path.Dir(d.project.Path); dir != "." && dir != "/"; dir = path.Dir(dir) {
		g := gitlab.GroupHooks(dir)
		if gh, err := d.o.GitLab.ListHooks(ctx, g); err == nil {
			if h := d.ours(gh); h != nil {
				return h, g, hooks, nil
			}
		}
	}
	return nil, scope, hooks, nil
}

// ours is the hook with our URL; without PUBLIC_URL, the only hook ending in /webhook.
func (d *doctor) ours(hooks []gitlab.Hook) *gitlab.Hook {
	var candidates []gitlab.Hook
	for _, h := range hooks {
		if d.o.HookURL != "" && strings.TrimRight(h.URL, "/") == strings.TrimRight(d.o.HookURL, "/") {
			return &h
		}
		if strings.HasSuffix(strings.TrimRight(h.URL, "/"), "/webhook") {
			candidates = append(candidates, h)
		}
	}
	if d.o.HookURL == "" && len(candidates) == 1 {
		return &candidates[0]
	}
	return nil
}

func (d *doctor) noHook(all []gitlab.Hook, fix string) Result {
	var others []string
	for _, h := range all {
		others = append(others, h.URL)
	}
	if len(others) > 0 && d.o.HookURL != "" {
		return fail("webhook", fmt.Sprintf("no webhook to %s; the project's hooks go to %s", d.o.HookURL, strings.Join(others, ", ")),
			fix+"; if PUBLIC_URL is wrong, correct it first")
	}
	return fail("webhook", "no webhook delivers to this service: GitLab never tells it about @claude", fix)
}

// hookEvents checks the events the service needs: always the ones that carry mentions, and
// pipeline and wiki page events when PIPELINE_FIX and WIKI_ENABLED are on.
func hookEvents(h gitlab.Hook, fix string, pipelineFix, wiki bool) Result {
	var missing, flags []string
	for _, e := range []struct {
		on   bool
		name string
	}{{h.Notes, "comments"}, {h.Issues, "issues"}, {h.MergeRequests, "merge requests"},
		{h.ConfidentialNotes, "confidential comments"}, {h.ConfidentialIssues, "confidential issues"}} {
		if !e.on {
			missing = append(missing, e.name)
		}
	}
	if pipelineFix && !h.Pipelines {
		missing, flags = append(missing, "pipeline events (PIPELINE_FIX is on: failed pipelines are never seen)"), append(flags, " --pipeline")
	}
	if wiki && !h.WikiPages {
		missing, flags = append(missing, "wiki page events (WIKI_ENABLED is on: wiki requests are never seen)"), append(flags, " --wiki")
	}
	if len(missing) > 0 {
		if len(flags) > 0 {
			fix = strings.Replace(fix, "`claude-gitlab setup --project ", "`claude-gitlab setup"+strings.Join(flags, "")+" --project ", 1)
		}
		return fail("webhook events", "off: "+strings.Join(missing, ", ")+" (mentions there are never seen)", fix)
	}
	on := "comments, issues, merge requests and their confidential kinds are on"
	if pipelineFix {
		on += "; pipelines too"
	}
	if wiki {
		on += "; wiki pages too"
	}
	return ok("webhook events", on)
}

func hookSSL(h gitlab.Hook, fix string) Result {
	if !h.EnableSSLVerification && strings.HasPrefix(h.URL, "https://") {
		return warn("webhook SSL verification", "off: anyone between GitLab and the service could read the secret",
			"use a certificate GitLab trusts, then "+fix+" (without --insecure-ssl)")
	}
	if strings.HasPrefix(h.URL, "http://") {
		return warn("webhook SSL verification", "the URL is plain http: the secret travels unencrypted",
			"serve HTTPS (TLS_CERT_FILE/TLS_KEY_FILE or a reverse proxy), set PUBLIC_URL to https://…, then "+fix)
	}
	return ok("webhook SSL verification", "on")
}

func hookSecret(h gitlab.Hook, fix string) Result {
	if h.TokenUnknown { // GitLab before 19.0: the deliveries check below shows a missing or wrong one as 403
		return skip("webhook secret", "this GitLab does not say whether the hook has a secret",
			"a missing or different secret shows as 403 in the webhook deliveries check; `claude-gitlab setup` writes it")
	}
	if !h.TokenPresent {
		return fail("webhook secret", "the hook sends no secret token: the service answers 403 to every delivery", fix)
	}
	return ok("webhook secret", "set (GitLab never shows it; a mismatch shows as 403 deliveries below)")
}

// hookStatus: GitLab disables a hook that keeps failing, first for a while, then for good.
func (d *doctor) hookStatus(h gitlab.Hook) Result {
	const reenable = "fix the cause (see the deliveries check), then in GitLab open Settings → Webhooks → Edit and press Test → Comments: a successful test re-enables the hook"
	switch h.AlertStatus {
	case "disabled":
		return fail("webhook status", "disabled by GitLab after repeated failures: nothing is delivered", reenable)
	case "temporarily_disabled":
		until := "a while"
		if h.DisabledUntil != nil {
			until = h.DisabledUntil.Sub(d.o.Now()).Round(time.Minute).String()
		}
		return fail("webhook status", "temporarily disabled by GitLab after failures, for "+until, reenable)
	case "":
		return ok("webhook status", "this GitLab does not report alert_status; failed deliveries are listed below")
	}
	return ok("webhook status", "enabled")
}

// hookDeliveries reads the failed deliveries of the last day and names the likely cause of the
// newest one.
func (d *doctor) hookDeliveries(ctx context.Context, scope gitlab.HookScope, h gitlab.Hook) Result {
	const name = "webhook deliveries"
	failed, err := d.o.GitLab.FailedDeliveries(ctx, scope, h.ID, 20)
	if errors.Is(err, gitlab.ErrNotFound) {
		return skip(name, "this GitLab does not list recent deliveries", "look at Settings → Webhooks → Edit → Recent events")
	}
	if err != nil {
		return skip(name, err.Error(), "look at Settings → Webhooks → Edit → Recent events")
	}
	var recent []gitlab.HookDelivery
	for _, e := range failed {
		if d.o.Now().Sub(e.CreatedAt) < 24*time.Hour {
			recent = append(recent, e)
		}
	}
	if len(recent) == 0 {
		return ok(name, "no failed deliveries in the last 24 hours")
	}
	last := recent[0]
	detail := fmt.Sprintf("%d failed in the last 24 hours; the newest (%s ago) got %s", len(recent),
		d.o.Now().Sub(last.CreatedAt).Round(time.Second), last.ResponseStatus)
	if body := strings.TrimSpace(last.ResponseBody); body != "" {
		detail += ": " + truncate(body, 120)
	}
	return warn(name, detail, deliveryFix(last.ResponseStatus))
}

// deliveryFix maps the answer GitLab got to what to do.
func deliveryFix(status string) string {
	switch {
	case status == "403":
		return "the hook's secret token differs from WEBHOOK_SECRET: run `claude-gitlab setup` to write it, or paste WEBHOOK_SECRET into the hook's Secret token"
	case status == "401":
		return "something in front of the service (a proxy or login page) asks for credentials: let POST /webhook through"
	case status == "404", status == "405":
		return "the URL path is wrong or a reverse proxy does not route it: the hook must end in /webhook and reach the service"
	case status == "413":
		return "the payload was larger than MAX_PAYLOAD_BYTES (or the proxy's body limit, e.g. nginx client_max_body_size)"
	case status == "429":
		return "the service answered 429: it limits only deliveries that fail authentication, so this one carried a wrong secret from an address that sent many; run `claude-gitlab setup` to write WEBHOOK_SECRET into the hook"
	case strings.HasPrefix(status, "5"):
		return "the service (or its proxy) failed: look at its logs around that time and at `claude-gitlab doctor` on the server"
	}
	return "GitLab could not reach the service: check it runs, PUBLIC_URL is reachable from GitLab (firewall, DNS), and its certificate is valid"
}

func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
