package egress_test

import (
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/egress"
)

func TestBudget(t *testing.T) {
	cases := []struct {
		name      string
		b         egress.Budget
		exhausted bool
		left      float64 // the daily limit's USD; 0: no limit
	}{
		{"no budget", egress.Budget{Spent: 3}, false, 0},
		{"negative budget", egress.Budget{Daily: -1, Spent: 3}, false, 0},
		{"nothing spent", egress.Budget{Daily: 5}, false, 5},
		{"some spent", egress.Budget{Daily: 5, Spent: 1.5}, false, 3.5},
		{"spent exactly", egress.Budget{Daily: 5, Spent: 5}, true, 1e-9},
		{"overspent", egress.Budget{Daily: 5, Spent: 7}, true, 1e-9},
	}
	for _, c := range cases {
		if got := c.b.Exhausted(); got != c.exhausted {
			t.Errorf("%s: Exhausted() = %v, want %v", c.name, got, c.exhausted)
		}
		limits := c.b.Limits()
		switch {
		case c.left == 0 && limits != nil:
			t.Errorf("%s: Limits() = %+v, want none", c.name, limits)
		case c.left != 0 && (len(limits) != 1 || limits[0].USD != c.left || limits[0].Name != egress.LimitDaily || limits[0].Why == ""):
			t.Errorf("%s: Limits() = %+v, want one daily limit of %v", c.name, limits, c.left)
		}
	}
}

func TestBudgetDay(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	cases := []struct {
		now     time.Time
		start   time.Time
		resetIn time.Duration
	}{
		{time.Date(2026, 12, 7, 14, 30, 0, 0, time.UTC), time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), 9*time.Hour + 30*time.Minute},
		{time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), 24 * time.Hour},
		{time.Date(2026, 12, 8, 0, 30, 0, 0, berlin), time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), 30 * time.Minute}, // 23:30 UTC
	}
	for _, c := range cases {
		start := egress.StartOfDay(c.now)
		if !start.Equal(c.start) || start.Location() != time.UTC {
			t.Errorf("StartOfDay(%v) = %v, want %v", c.now, start, c.start)
		}
		if got := (egress.Budget{Day: start}).ResetIn(c.now); got != c.resetIn {
			t.Errorf("ResetIn(%v) = %v, want %v", c.now, got, c.resetIn)
		}
	}
}
