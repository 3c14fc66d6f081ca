package agent

import (
	"fmt"
	"strings"
	"time"
)

// Result is what a run produced. Run returns it filled as far as known even with an error, so a
// caller can show the stderr tail, the cost so far or the denials.
type Result struct {
	Text              string // the final answer (the result line's "result")
	IsError           bool
	Subtype           string // success, error_max_turns, error_max_budget_usd, error_during_execution
	NumTurns          int
	CostUSD           float64
	Duration          time.Duration // as the CLI measured it
	SessionID         string
	PermissionDenials []Denial // non-empty even on success: tell the user what was refused
	Errors            []string // the CLI's own error lines (e.g. "Reached maximum number of turns (3)")
	APIErrorStatus    int      // the HTTP status of a failed API call, 0 if none
	ExitCode          int      // -1 when killed by a signal
	Truncated         bool     // stdout passed MaxOutputBytes and the run was stopped, or the answer passed the line bound and Text is its start
	StderrTail        string   // the last few KiB of stderr, secrets redacted
	// With Config.Egress: CostUSD is the service's own count of the API's usage figures,
	// CLICostUSD what the CLI reported, Model the totals.
	CLICostUSD float64
	Model      *ModelUsage
}

// classify turns a finished run's result line into the error callers decide on. It is called
// only when a result line arrived.
func classify(res *Result) error {
	switch {
	case res.IsError && strings.Contains(res.Text, "Not logged in"):
		return fmt.Errorf("%w: %s (set ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN)", ErrNotLoggedIn, res.Text)
	case res.Subtype == "error_max_turns":
		return fmt.Errorf("%w after %d turns: %s", ErrMaxTurns, res.NumTurns, res.detail())
	case strings.Contains(res.Subtype, "budget"):
		return fmt.Errorf("%w at $%.4f: %s", ErrBudget, res.CostUSD, res.detail())
	case res.IsError && res.APIErrorStatus == 401:
		// Both: an API failure, and one that only a new credential fixes.
		return fmt.Errorf("%w %d: %w: %s (check the Anthropic credential)", ErrAPI, res.APIErrorStatus, ErrNotLoggedIn, res.Text)
	case res.IsError && res.APIErrorStatus != 0:
		return fmt.Errorf("%w %d: %s", ErrAPI, res.APIErrorStatus, res.Text)
	case res.IsError && strings.HasPrefix(res.Text, "API Error"):
		return fmt.Errorf("%w: %s", ErrAPI, res.Text)
	case res.IsError:
		return fmt.Errorf("%w: result %s: %s", ErrCrashed, res.Subtype, res.detail())
	case res.ExitCode != 0:
		return fmt.Errorf("%w: exit code %d after a successful result%s", ErrCrashed, res.ExitCode, res.stderrSuffix())
	}
	return nil
}

// detail is the CLI's own explanation of an error result.
func (r *Result) detail() string {
	if len(r.Errors) > 0 {
		return strings.Join(r.Errors, "; ")
	}
	if r.Text != "" {
		return r.Text
	}
	return "no details"
}

func (r *Result) stderrSuffix() string {
	if r.StderrTail == "" {
		return ""
	}
	return "; stderr: " + strings.TrimSpace(r.StderrTail)
}
