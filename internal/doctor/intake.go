package doctor

import (
	"context"
	"fmt"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
)

// intake checks how requests arrive. In poll mode it reads the bot's To-Do list once and says
// what polling cannot see; a feature that needs webhooks while webhooks are off is a warning.
func (d *doctor) intake(ctx context.Context) []Result {
	const name = "intake"
	s := d.o.Settings
	if !s.Polls() {
		return []Result{ok(name, "webhooks (INTAKE=webhook)")}
	}
	if d.user == nil {
		return []Result{skip(name, "the bot's identity is unknown", "fix the token checks first")}
	}
	todos, err := d.o.GitLab.Todos(ctx, "pending", true)
	if err != nil {
		return []Result{fail(name, "cannot read the bot's To-Do list: "+err.Error(),
			"give the token the api or read_api scope, or set INTAKE=webhook and create webhooks with `claude-gitlab setup`")}
	}
	out := []Result{ok(name, fmt.Sprintf("INTAKE=%s: the bot's To-Do list every %s (%d pending). Polling sees mentions of @%s, "+
		"issues and MRs assigned to it and reviews asked of it, in projects it is a member of; it does not see %s alone, "+
		"pipeline, wiki or label events (those need webhooks: INTAKE=both)",
		s.Intake, s.PollInterval, len(todos), d.user.Username, s.TriggerPhrase))}
	var needHooks []string
	if s.Intake == config.IntakePoll {
		for on, what := range map[bool]string{s.PipelineFix: "PIPELINE_FIX", s.WikiEnabled: "WIKI_ENABLED", s.AutoReview: "AUTO_REVIEW"} {
			if on {
				needHooks = append(needHooks, what)
			}
		}
	}
	if len(needHooks) > 0 {
		out = append(out, warn("webhook features", strings.Join(needHooks, ", ")+" need webhook events, which INTAKE=poll does not receive",
			"set INTAKE=both and PUBLIC_URL, and run `claude-gitlab setup --project <path>`"))
	}
	return out
}
