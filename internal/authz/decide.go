// Package authz decides whether a trigger's author may run the bot: one pure decision (Decide)
// and a Checker that reads what it needs from GitLab. Every trigger goes through it: mentions,
// automatic reviews (the MR's author), failed pipelines (who started the pipeline) and wiki
// edits; the acknowledgement lane calls it too.
package authz

import (
	"context"
	"regexp"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// Verdict is what authorisation decided.
type Verdict string

// The verdicts.
const (
	Allow  Verdict = "allow"  // run it
	Refuse Verdict = "refuse" // do not run it; tell the author once (a mention in a thread)
	Ignore Verdict = "ignore" // do not run it; say nothing (a bot, a project not allowed, a quiet trigger)
)

// Decision is a verdict and the reason, for logs and the job's page.
type Decision struct {
	Verdict Verdict
	Reason  string
}

// Asker is a trigger's author as authorisation sees them.
type Asker struct {
	ID       int64
	Username string
	Level    int  // role on the project, inherited membership included; 0: not a member
	Bot      bool // a bot user: access-token bots, service accounts (GitLab's User.Bot, or the name)
	Self     bool // this service's own user
}

// Policy is the operator's rules, with the allow-lists as ids.
type Policy struct {
	MinAccessLevel int
	Users, Bots    map[int64]bool // ALLOWED_USERS, ALLOWED_BOTS resolved to ids
	ProjectAllowed bool           // ALLOWED_PROJECTS admits the project (by id or an ancestor group's id)
}

// Decide is the pure core: quiet triggers (nobody asked in a thread: automatic reviews,
// pipelines, wiki pages) are never answered with a refusal. The service's own user may start
// only pipeline fixes (its pushes start the pipelines of its branches).
func Decide(p Policy, a Asker, task trigger.Task, quiet bool) Decision {
	refuse := Refuse
	if quiet {
		refuse = Ignore
	}
	switch {
	case !p.ProjectAllowed:
		return Decision{Ignore, "project not in ALLOWED_PROJECTS"}
	case a.Self && task == trigger.TaskPipelineFix:
		return Decision{Allow, "the bot's own pipeline"}
	case a.Self:
		return Decision{Ignore, "written by the bot itself"}
	case a.Bot && p.Bots[a.ID]:
		return Decision{Allow, "in ALLOWED_BOTS"}
	case a.Bot:
		return Decision{Ignore, "a bot user not in ALLOWED_BOTS"}
	case p.Users[a.ID]:
		return Decision{Allow, "in ALLOWED_USERS"}
	case a.Level >= p.MinAccessLevel:
		return Decision{Allow, "role at least MIN_ACCESS_LEVEL"}
	}
	return Decision{refuse, "below MIN_ACCESS_LEVEL"}
}

// quiet: no one wrote to the bot in a thread.
func quiet(req trigger.Request) bool {
	return req.Task == trigger.TaskPipelineFix || req.Task == trigger.TaskWikiEdit || req.Reason == trigger.ReasonAutoReview
}

// botName matches the usernames GitLab gives machine accounts: project and group access-token
// bots and service accounts.
var botName = regexp.MustCompile(`^(project|group)_\d+_bot(_[0-9a-f]+)?\d*$|^service_account_`)

// IsBotName reports whether username is one GitLab gives machine accounts
// (project_<id>_bot…, group_<id>_bot…, service_account_…).
func IsBotName(username string) bool { return botName.MatchString(username) }

// RefusalLog remembers the refusal replies sent: First records key (a user, a thread, a day) for
// owner (a job) unless it is recorded already, and reports whether it is owner's: a job retried
// after a lost reply is still the first. It is shared by restarts and replicas (the database).
type RefusalLog interface {
	First(ctx context.Context, key, owner string) (bool, error)
}
