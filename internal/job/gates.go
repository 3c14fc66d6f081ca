package job

import (
	"context"
	"fmt"
	"strconv"
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

// refusal says where a gate's "no" goes.
type refusal int

const (
	replyInThread refusal = iota // the requester is told in the thread
	logOnly                      // only the log and the job's outcome tell: no thread, or nobody asked
)

// admit runs a task's gates in order and, once they all pass, records the job in the journal:
// every task begins its page at this same point.
func (r *Runner) admit(ctx context.Context, j *job, gates ...gate) (bool, error) {
	for _, g := range gates {
		if ok, err := g(ctx, j); err != nil || !ok {
			return false, err
		}
	}
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
func (r *Runner) authorised(how refusal) gate {
	return func(ctx context.Context, j *job) (bool, error) {
		if r.laneAuthorised(j) {
			return true, nil
		}
		return r.authorise(ctx, j, how)
	}
}

// authorise applies Authorize to the job's author (a forked MR's author is judged on the target
// project). Someone refused gets one short reply per thread and day, then silence, when how is
// replyInThread; ignored triggers (bots, projects not allowed, quiet triggers) get none.
func (r *Runner) authorise(ctx context.Context, j *job, how refusal) (bool, error) {
	d, a, err := r.Authorize(ctx, j.req)
	if err != nil {
		return false, err
	}
	switch {
	case d.Verdict == authz.Allow:
		if a.Level > 0 {
			j.level = &a.Level
		}
		return true, nil
	case d.Verdict == authz.Ignore:
		j.log.Info("job: not authorised; ignored", "author", j.req.Author.Username, "reason", d.Reason)
		r.countUnauthorised("ignored")
		return false, r.end(ctx, j, jobstate.Skipped, d.Reason)
	case how == logOnly:
		j.log.Info("job: not authorised; refused without a reply", "author", j.req.Author.Username, "level", a.Level, "reason", d.Reason)
		r.countUnauthorised("silent")
		return false, r.end(ctx, j, jobstate.Refused, d.Reason)
	}
	return false, r.refuse(ctx, j, d, a)
}

// refuse replies to someone not authorised, once a day per thread.
func (r *Runner) refuse(ctx context.Context, j *job, d authz.Decision, a authz.Asker) error {
	if j.noteID == 0 && !j.steps.Has(stepNote) {
		first, err := r.firstRefusal(ctx, j)
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
	role := authz.RoleName(r.Settings.MinAccessLevel)
	body := publish.Unauthorised(j.id, j.req.Author.Username, role)
	if v := r.hidesSharedMembers(ctx, a.Level); v != "" {
		body = publish.UnauthorisedSharedGroupsUnseen(j.id, j.req.Author.Username, role, v)
	}
	if _, err := r.postOnce(ctx, j, body); err != nil {
		return err
	}
	r.countUnauthorised("replied")
	return r.end(ctx, j, jobstate.Refused, d.Reason)
}

// firstRefusal records the refusal of this author in this thread today (UTC) and reports whether
// it is the first: the refusal reply goes out once a day, across restarts and replicas.
func (r *Runner) firstRefusal(ctx context.Context, j *job) (bool, error) {
	if r.Refusals == nil {
		return true, nil
	}
	key := fmt.Sprintf("refusal/%s/%s/%d", time.Now().UTC().Format("2006-01-02"), j.req.ThreadKey(), j.req.Author.ID)
	first, err := r.Refusals.First(ctx, key, strconv.FormatInt(j.id, 10))
	if err != nil {
		return false, fmt.Errorf("record the refusal: %w", err)
	}
	return first, nil
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
// cost the budget, a new job is refused, with one reply in the thread or only logged as how
// says. A job acknowledged, or whose run is recorded, passed it on an earlier attempt.
func (r *Runner) withinBudget(ctx context.Context, j *job, how refusal) (bool, error) {
	budget := r.Settings.DailyBudgetUSD
	if budget <= 0 || r.Journal == nil || j.acknowledged() || j.steps.Has(stepResult) {
		return true, nil
	}
	now := time.Now().UTC()
	midnight := now.Truncate(24 * time.Hour)
	spent, err := r.Journal.SpentSince(ctx, j.req.Project.ID, midnight)
	if err != nil {
		return false, fmt.Errorf("read the project's spending today: %w", err)
	}
	if spent < budget {
		return true, nil
	}
	if how == logOnly {
		j.log.Info("job: project's daily budget spent; ignored without a reply", "spent_usd", spent, "budget_usd", budget)
		return false, r.end(ctx, j, jobstate.Refused, "daily budget spent")
	}
	j.log.Info("job: project's daily budget spent; replying once", "spent_usd", spent, "budget_usd", budget)
	if _, err := r.postOnce(ctx, j, publish.OverBudget(j.id, spent, budget, midnight.Add(24*time.Hour).Sub(now))); err != nil {
		return false, err
	}
	return false, r.end(ctx, j, jobstate.Refused, "daily budget spent")
}

// dailyLimit is what is left of the project's daily budget, enforced on the run's model
// requests by the service's proxy (a run may not spend the rest of the day's budget at once
// unnoticed). Runs at the same time of one project each see what was left when they started.
func (r *Runner) dailyLimit(ctx context.Context, j *job) ([]egress.Limit, error) {
	budget := r.Settings.DailyBudgetUSD
	if budget <= 0 || r.Journal == nil {
		return nil, nil
	}
	now := time.Now().UTC()
	spent, err := r.Journal.SpentSince(ctx, j.req.Project.ID, now.Truncate(24*time.Hour))
	if err != nil {
		return nil, fmt.Errorf("read the project's spending today: %w", err)
	}
	return []egress.Limit{{USD: max(budget-spent, 1e-9), Name: egress.LimitDaily,
		Why: fmt.Sprintf("the project may spend $%.2f a day (PROJECT_DAILY_BUDGET_USD) and had spent $%.4f today before this run", budget, spent)}}, nil
}
