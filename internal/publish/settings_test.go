package publish

import (
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
)

func TestSettingsAndBudgetTexts(t *testing.T) {
	b := OverBudget(7, 12.5, 10, 3*time.Hour+5*time.Minute)
	for _, want := range []string{"$12.50 of $10.00 today", "PROJECT_DAILY_BUDGET_USD", "in 3h 05m", marker.Job(7)} {
		if !strings.Contains(b, want) {
			t.Errorf("OverBudget lacks %q:\n%s", want, b)
		}
	}
	if s := OverBudget(7, 0.0006, 0.0005, time.Minute); !strings.Contains(s, "$0.0006 of $0.0005") {
		t.Errorf("small amounts: %s", s)
	}
	inv := SettingsInvalid(7, ".claude-gitlab.yml", "main", []string{"line 2: `max_turns` must be a whole number"})
	if !strings.Contains(inv, "- line 2: `max_turns`") || !strings.Contains(inv, marker.Settings(7)) || strings.Contains(inv, marker.Job(7)) {
		t.Errorf("SettingsInvalid:\n%s", inv)
	}
	ref := SettingsRefused(7, ".gitlab/claude.yml", "main", []string{"line 1, `allowed_tools`: `Bash` is not in the server's CLAUDE_ALLOWED_TOOLS"})
	if !strings.Contains(ref, "`.gitlab/claude.yml` on `main`") || !strings.Contains(ref, "- line 1, `allowed_tools`") {
		t.Errorf("SettingsRefused:\n%s", ref)
	}
}
