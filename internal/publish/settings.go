package publish

import (
	"fmt"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
)

// SettingsInvalid says the project's settings file could not be used and the run goes on with the
// server's settings. problems are "line N: …" texts.
func SettingsInvalid(jobID int64, file, branch string, problems []string) string {
	return settingsNote(jobID, fmt.Sprintf("⚠️ `%s` on `%s` has a problem, so this request runs with the server's settings:", file, branch),
		problems, "Fix the file on the default branch; the next request will use it.")
}

// SettingsRefused lists the settings of the project's file that ask for more than the server
// allows; the rest of the file applies.
func SettingsRefused(jobID int64, file, branch string, refusals []string) string {
	return settingsNote(jobID, fmt.Sprintf("⚠️ Some settings in `%s` on `%s` ask for more than this server allows, so they are not applied (the server's value stays):", file, branch),
		refusals, "The rest of the file applies. A project can narrow the server's settings, not widen them; ask the operator to change them.")
}

// settingsNote is a note about the settings file: what happened, the list, what to do.
func settingsNote(jobID int64, head string, items []string, tail string) string {
	var b strings.Builder
	b.WriteString(head + "\n\n")
	for _, it := range items {
		fmt.Fprintf(&b, "- %s\n", it)
	}
	b.WriteString("\n" + tail + "\n\n" + marker.Settings(jobID))
	return b.String()
}

// OverBudget is the reply to a request that arrives once the project's daily budget is spent.
func OverBudget(jobID int64, spent, budget float64, resetIn time.Duration) string {
	return fmt.Sprintf("Sorry, this project's daily budget for Claude is spent (%s of %s today, PROJECT_DAILY_BUDGET_USD), so I did not start on this request. "+
		"New requests are taken again at midnight UTC (in %s); or ask the operator to raise the budget. Then comment `@claude` again.\n\n%s",
		usd(spent), usd(budget), roundDuration(resetIn), marker.Job(jobID))
}

// usd shows an amount with cents, or with four decimals below a dollar.
func usd(x float64) string {
	if x < 1 {
		return fmt.Sprintf("$%.4f", x)
	}
	return fmt.Sprintf("$%.2f", x)
}

func roundDuration(d time.Duration) string {
	if d >= time.Hour {
		return fmt.Sprintf("%dh %02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dm", max(1, int(d.Minutes())))
}
