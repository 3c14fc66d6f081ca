package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestJobPageAndBudgetSettings(t *testing.T) {
	cfg, err := Load(lookupFrom(nil), "", false)
	if err != nil || cfg.JobRetention != 720*time.Hour || cfg.AdminToken != "" || cfg.ProjectDailyBudgetUSD != 0 {
		t.Fatalf("defaults: %v %+v", err, cfg)
	}
	admin := "0123456789abcdef0123"
	cfg, err = Load(lookupFrom(map[string]string{"ADMIN_TOKEN": admin, "JOB_RETENTION": "48h", "PROJECT_DAILY_BUDGET_USD": "2.5"}), "", false)
	if err != nil || cfg.AdminToken != admin || cfg.JobRetention != 48*time.Hour || cfg.ProjectDailyBudgetUSD != 2.5 {
		t.Fatalf("set: %v %+v", err, cfg)
	}
	if !slices.Contains(cfg.Secrets(), admin) {
		t.Fatal("ADMIN_TOKEN must be redacted like the other secrets")
	}
	for env, want := range map[string]string{
		"ADMIN_TOKEN=short":             "ADMIN_TOKEN: is shorter than 16",
		"JOB_RETENTION=forever":         "JOB_RETENTION:",
		"PROJECT_DAILY_BUDGET_USD=-1":   "PROJECT_DAILY_BUDGET_USD:",
		"PROJECT_DAILY_BUDGET_USD=lots": "PROJECT_DAILY_BUDGET_USD:",
	} {
		name, val, _ := strings.Cut(env, "=")
		if _, err := Load(lookupFrom(map[string]string{name: val}), "", false); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: %v, want %q", env, err, want)
		}
	}
}
