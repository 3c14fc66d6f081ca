package agent

import "errors"

// Errors a caller decides on with errors.Is. Run wraps them with the details (exit code, the CLI's
// message, the stderr tail) but never with environment values.
var (
	// ErrTimeout: the run was killed at Config.Timeout.
	ErrTimeout = errors.New("claude timed out")
	// ErrCrashed: the CLI ended without a usable result: no result line, a non-zero exit or a
	// signal, or a result reporting an internal failure (error_during_execution).
	ErrCrashed = errors.New("claude crashed")
	// ErrMaxTurns: the CLI stopped at Config.MaxTurns (subtype error_max_turns).
	ErrMaxTurns = errors.New("claude reached the turn limit")
	// ErrBudget: the CLI stopped at Config.MaxBudgetUSD (subtype error_max_budget_usd).
	ErrBudget = errors.New("claude reached the budget limit")
	// ErrDailyBudget: the project's daily budget (PROJECT_DAILY_BUDGET_USD) was spent during the
	// run; the service refused further model requests.
	ErrDailyBudget = errors.New("the project's daily budget is spent")
	// ErrAPI: the Anthropic API failed (is_error with api_error_status; the subtype still says
	// "success").
	ErrAPI = errors.New("anthropic API error")
	// ErrNotLoggedIn: no usable Anthropic credential ("Not logged in", or the API answered 401).
	ErrNotLoggedIn = errors.New("claude is not logged in")
	// ErrMalformed: the output was not stream-json and no result line came.
	ErrMalformed = errors.New("claude output was malformed")
	// ErrOutputTooLarge: the output passed Config.MaxOutputBytes; the run was stopped and
	// Result.Truncated is set.
	ErrOutputTooLarge = errors.New("claude output too large")
	// ErrLimit: the run went over a sandbox limit (memory, CPU time, processes, disk) and
	// failed or was stopped for it; the message names the limit and its setting.
	ErrLimit = errors.New("claude went over a resource limit")
)
