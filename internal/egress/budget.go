package egress

import (
	"fmt"
	"time"
)

// Budget is a project's daily budget (PROJECT_DAILY_BUDGET_USD) against what its runs of one day
// (UTC) cost: the gate that refuses new jobs once it is spent and the limit on a run's model
// requests both read this one figure, so they agree.
type Budget struct {
	Daily float64   // PROJECT_DAILY_BUDGET_USD; 0 or less: no budget
	Spent float64   // what the project's runs of the day cost before this one
	Day   time.Time // the start of that day (StartOfDay)
}

// StartOfDay is midnight UTC before now: a daily budget counts the runs since then.
func StartOfDay(now time.Time) time.Time { return now.UTC().Truncate(24 * time.Hour) }

// Exhausted reports whether the day's runs cost the budget: a new job waits for the next day.
func (b Budget) Exhausted() bool { return b.Daily > 0 && b.Spent >= b.Daily }

// ResetIn is how long from now until the next day, when the budget is whole again.
func (b Budget) ResetIn(now time.Time) time.Duration { return b.Day.Add(24 * time.Hour).Sub(now) }

// Limits is what is left of the budget as a run's limit on its model requests (a run may not
// spend the rest of the day's budget at once unnoticed); none without a budget. Runs of one
// project at the same time each see what was left when they started.
func (b Budget) Limits() []Limit {
	if b.Daily <= 0 {
		return nil
	}
	return []Limit{{USD: max(b.Daily-b.Spent, 1e-9), Name: LimitDaily,
		Why: fmt.Sprintf("the project may spend $%.2f a day (PROJECT_DAILY_BUDGET_USD) and had spent $%.4f today before this run", b.Daily, b.Spent)}}
}
