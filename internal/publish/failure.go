package publish

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

// ErrJobTimeout: the job as a whole ran past the queue's timeout; Explain tells it from Claude's
// own time limit.
var ErrJobTimeout = errors.New("job timed out")

// maxWhy bounds the reason a waiting note quotes.
const maxWhy = 200

// Failure is the text of the progress note when a job fails: what failed and what to do, in plain
// words. The caller redacts secrets from what.
func Failure(jobID int64, jobURL, what, todo string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "⚠️ **Claude could not finish this request.**\n\n%s\n", strings.TrimSpace(what))
	if todo != "" {
		fmt.Fprintf(&b, "\n**What to do:** %s\n", strings.TrimSpace(todo))
	}
	if jobURL != "" {
		fmt.Fprintf(&b, "\n[Details of the run](%s)\n", jobURL)
	}
	fmt.Fprintf(&b, "\n<sub>job %d</sub>\n%s", jobID, marker.Job(jobID))
	return b.String()
}

// Waiting is the text of the progress note while a job waits for GitLab (or the network) to
// answer again; the job edits it back to progress when it runs again. A long why is cut to its
// first 200 characters. The caller redacts secrets.
func Waiting(jobID int64, jobURL, why string, next time.Time) string {
	if r := []rune(why); len(r) > maxWhy {
		why = string(append(r[:maxWhy], '…'))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "⏳ **Claude is waiting for GitLab, next try at %s UTC.**\n\n", next.UTC().Format("15:04"))
	fmt.Fprintf(&b, "GitLab did not answer properly (%s). Nothing is lost: the request goes on by itself when GitLab answers again.\n", strings.TrimSpace(why))
	if jobURL != "" {
		fmt.Fprintf(&b, "\n[Follow the run](%s)\n", jobURL)
	}
	b.WriteString("\n" + marker.Job(jobID))
	return b.String()
}

// GaveUp adds to what failed that a transient failure kept coming back until the job's attempts
// ran out (or JOB_GIVE_UP's time, when lastTry).
func GaveUp(what string, attempts int, lastTry bool) string {
	limit := "attempts"
	if lastTry {
		limit = "attempts (JOB_GIVE_UP)"
	}
	return fmt.Sprintf("%s It kept failing, so I gave up after %d %s.", what, attempts, limit)
}

// Cancelled is what the last note of a job an operator cancelled (`jobs cancel`) says.
func Cancelled() (what, todo string) {
	return "An operator cancelled this request.", AskAnew
}

// Explain says what failed and what to do, in plain words. The caller redacts secrets.
func Explain(err error) (what, todo string) {
	switch {
	case workspace.NoSpace(err):
		return "The server running Claude ran out of disk space.", "The operator should free space in DATA_DIR (repository cache and job logs), then ask again."
	case errors.Is(err, ErrJobTimeout):
		return "This request took longer than the service allows for one job.", "Ask for a smaller step, or ask the operator to raise CLAUDE_TIMEOUT."
	case errors.Is(err, workspace.ErrRejected):
		return "GitLab refused the push: " + workspace.Rejection(err), "Fix what GitLab's rule asks for (for example the push rules of the project), then ask again."
	case gitlab.IsTransient(err):
		return "GitLab did not answer properly (busy, down, or too slow): " + err.Error(), "Try again later: comment `@claude` again."
	case errors.Is(err, agent.ErrTimeout):
		return "Claude did not finish within the time limit (CLAUDE_TIMEOUT).", "Ask for a smaller step, or ask the operator to raise CLAUDE_TIMEOUT."
	case errors.Is(err, agent.ErrMaxTurns):
		return "Claude reached the turn limit (CLAUDE_MAX_TURNS) before finishing.", "Ask for a smaller step, or ask the operator to raise CLAUDE_MAX_TURNS."
	case errors.Is(err, agent.ErrDailyBudget):
		return "This project's daily budget for Claude (PROJECT_DAILY_BUDGET_USD) was spent while Claude worked, so the service refused its further model requests.", "Ask again tomorrow (UTC), or ask the operator to raise PROJECT_DAILY_BUDGET_USD."
	case errors.Is(err, agent.ErrBudget):
		return "Claude stopped at the cost limit of one run (CLAUDE_MAX_BUDGET_USD).", "Ask for a smaller step, or ask the operator to raise CLAUDE_MAX_BUDGET_USD."
	case errors.Is(err, agent.ErrNotLoggedIn):
		return "The Claude CLI has no valid Anthropic credential.", "The operator should set ANTHROPIC_API_KEY (or CLAUDE_CODE_OAUTH_TOKEN) and run `claude-gitlab doctor`."
	case errors.Is(err, agent.ErrAPI):
		return "The Anthropic API failed: " + err.Error(), "Try again in a few minutes: comment `@claude` again."
	case errors.Is(err, agent.ErrLimit):
		return "Claude's run went over a resource limit of the sandbox: " + err.Error(), "Ask for a smaller step, or ask the operator to raise the AGENT_* limit named above."
	case errors.Is(err, agent.ErrOutputTooLarge):
		return "Claude's output grew past the size limit and the run was stopped.", "Ask for a smaller step."
	case errors.Is(err, agent.ErrCrashed), errors.Is(err, agent.ErrMalformed):
		return "The Claude CLI stopped unexpectedly: " + err.Error(), "Try again; if it keeps failing, the operator should run `claude-gitlab doctor` and look at the service's log."
	case errors.Is(err, workspace.ErrAuth), errors.Is(err, gitlab.ErrUnauthorized):
		return "GitLab refused the bot's token.", "The operator should check GITLAB_TOKEN (expired or revoked?) with `claude-gitlab doctor`, or rotate it with `claude-gitlab rotate-token`."
	case errors.Is(err, gitlab.ErrForbidden):
		return "GitLab did not allow the bot to do this: " + err.Error(), "Give the bot user the Developer role (or higher) on this project."
	case errors.Is(err, workspace.ErrConflict), errors.Is(err, workspace.ErrStale):
		return "The branch changed while Claude worked and the change could not be applied on top of it.", "Ask again: Claude will start from the branch as it is now."
	case errors.Is(err, workspace.ErrProtected):
		return "GitLab refused the push: the branch is protected.", "Set GITLAB_USE_MR=true, or allow the bot to push to that branch."
	}
	return "Something went wrong: " + err.Error(), "Try again; if it keeps failing, the operator can look at `claude-gitlab jobs show` and the service's log."
}
