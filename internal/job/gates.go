package job

import (
	"context"
	"fmt"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/authz"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/egress"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// A gate decides whether a job goes on. One that says no has ended the job itself (end), having
// replied in the thread or only logged, as the gate says.
type gate func(ctx context.Context, j *job) (bool, error)

// admit runs a task's gates in order; the first that says no ends the job. Every task lists
// beginPage among them: the gates before it let a job through without a page (a bot's own note,
// a stranger), those after it are told on the page.
func (r *Runner) admit(ctx context.Context, j *job, gates ...gate) (bool, error) {
	for _, g := range gates {
		if ok, err := g(ctx, j); err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// beginPage records the job's request in the journal: its page begins here.
func (r *Runner) beginPage(ctx context.Context, j *job) (bool, error) {
	r.begin(ctx, j)
	return true, nil
}

// notFromBot: a request the bot wrote itself is skipped quietly.
func (r *Runner) notFromBot(ctx context.Context, j *job) (bool, error) {
	if !j.fromBot() {
		return true, nil
	}
	j.log.Info("job: request written by the bot itself; nothing to do")
	return false, r.end(ctx, j, jobstate.Skipped, "bot's own")
}

// authorised is the gate of who may ask: the acknowledgement lane's authorisation if it is
// recent (laneAuthorised), else authorise's.
func (r *Runner) authorised(ctx context.Context, j *job) (bool, error) {
	if r.laneAuthorised(j) {
		return true, nil
	}
	return r.authorise(ctx, j)
}

// authorise applies Authorize to the job's author (a forked MR's author is judged on the target
// project). Someone refused gets one short reply per thread and day, then silence; ignored
// triggers (bots, projects not allowed, quiet triggers: nobody asked in a thread) get none.
func (r *Runner) authorise(ctx context.Context, j *job) (bool, error) {
	d, a, err := r.Authorize(ctx, j.req)
	if err != nil {
		return false, err
	}
	switch d.Verdict {
	case authz.Allow:
		if a.Level > 0 {
			j.level = &a.Level
		}
		return true, nil
	case authz.Ignore:
		j.log.Info("job: not authorised; ignored", "author", j.req.Author.Username, "reason", d.Reason)
		r.countUnauthorised("ignored")
		return false, r.end(ctx, j, jobstate.Skipped, d.Reason)
	}
	return false, r.refuse(ctx, j, d, a)
}

// refuse replies to someone not authorised, once a day per thread.
func (r *Runner) refuse(ctx context.Context, j *job, d authz.Decision, a authz.Asker) error {
	if j.noteID == 0 && !j.steps.Has(stepNote) {
		first, err := authz.FirstRefusal(ctx, r.Refusals, j.req.ThreadKey(), j.req.Author.ID, j.id)
		if err != nil {
			return err
		}
		if !first {
			j.log.Info("job: not authorised; refused already today in this thread, so no reply", "author", j.req.Author.Username, "level", a.Level)
			r.countUnauthorised("silent")
			return r.end(ctx, j, jobstate.Refused, d.Reason+" (no reply: one a day per thread)")
		}
	}
	j.log.Info("job: not authorised; replying once", "author", j.req.Author.Username, "level", a.Level, "reason", d.Reason)
	body := publish.Unauthorised(j.id, j.req.Author.Username, authz.RoleName(r.Settings.MinAccessLevel), r.hidesSharedMembers(ctx, a.Level))
	if _, err := r.postOnce(ctx, j, body); err != nil {
		return err
	}
	r.countUnauthorised("replied")
	return r.end(ctx, j, jobstate.Refused, d.Reason)
}

func (r *Runner) countUnauthorised(action string) {
	if r.Metrics != nil {
		r.Metrics.Unauthorised.WithLabelValues(action).Inc()
	}
}

// autoReviewWanted decides, without a word in the thread, whether an automatic review (AUTO_REVIEW)
// runs: nobody asked for it, so a project that turned auto_review off in its settings file skips
// it quietly (an author below MIN_ACCESS_LEVEL or a bot was skipped quietly by authorise).
func (r *Runner) autoReviewWanted(ctx context.Context, j *job) (bool, error) {
	if j.req.Reason != trigger.ReasonAutoReview || j.steps.Has(stepNote) {
		return true, nil // asked for, or acknowledged already: decided on an earlier attempt
	}
	if err := r.useProjectSettings(ctx, j); err != nil {
		return false, err
	}
	if !j.settings.AutoReview {
		j.log.Info("job: automatic review turned off for this project; skipped")
		return false, r.end(ctx, j, jobstate.Skipped, "auto_review off for the project")
	}
	return true, nil
}

// withinBudget is the gate of PROJECT_DAILY_BUDGET_USD: once the project's runs of today (UTC)
// cost the budget, a new job is refused, with one reply in the thread; a wiki page has no thread,
// so only the log and the job's outcome tell. A job acknowledged, or whose run is recorded,
// passed it on an earlier attempt.
func (r *Runner) withinBudget(ctx context.Context, j *job) (bool, error) {
	if j.acknowledged() || j.steps.Has(stepResult) {
		return true, nil
	}
	b, err := r.budgetToday(ctx, j)
	if err != nil || !b.Exhausted() {
		return err == nil, err
	}
	if j.req.Wiki != nil {
		j.log.Info("job: project's daily budget spent; ignored without a reply", "spent_usd", b.Spent, "budget_usd", b.Daily)
	} else {
		j.log.Info("job: project's daily budget spent; replying once", "spent_usd", b.Spent, "budget_usd", b.Daily)
		if _, err := r.postOnce(ctx, j, publish.OverBudget(j.id, b.Spent, b.Daily, b.ResetIn(time.Now()))); err != nil {
			return false, err
		}
	}
	return false, r.end(ctx, j, jobstate.Refused, "daily budget spent")
}

// budgetToday is the project's daily budget against what its runs of today (UTC) cost: the one
// reading of it, for the gate (withinBudget) and the run's limit (egress.Budget.Limits). No
// budget without a journal to count the runs.
func (r *Runner) budgetToday(ctx context.Context, j *job) (egress.Budget, error) {
	b := egress.Budget{Daily: r.Settings.DailyBudgetUSD, Day: egress.StartOfDay(time.Now())}
	if b.Daily <= 0 || r.Journal == nil {
		return egress.Budget{}, nil
	}
	spent, err := r.Journal.SpentSince(ctx, j.req.Project.ID, b.Day)
	if err != nil {
		return b, fmt.Errorf("read the project's spending today: %w", err)
	}
	b.Spent = spent
	return b, nil
}
