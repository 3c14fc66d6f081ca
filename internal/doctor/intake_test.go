package doctor

import (
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
)

// Poll mode: doctor reads the To-Do list, says what polling cannot see, skips the webhook checks
// and warns about features that need webhooks.
func TestDoctorInPollMode(t *testing.T) {
	w := newWorld(t)
	w.opts.Settings.Intake, w.opts.Settings.PollInterval = config.IntakePoll, 10*time.Second
	w.opts.Settings.TriggerPhrase = "@claude"
	got := w.run()
	r := got["intake"]
	if r.Status != OK || !strings.Contains(r.Detail, "@claude-bot") || !strings.Contains(r.Detail, "pipeline, wiki or label events") ||
		!strings.Contains(r.Detail, "@claude alone") {
		t.Fatalf("intake: %+v", r)
	}
	if _, ok := got["webhook"]; ok {
		t.Fatal("webhook checked in poll mode")
	}
	if _, ok := got["webhook features"]; ok {
		t.Fatal("a warning about webhook features with none on")
	}
	w.opts.Settings.PipelineFix = true
	if r := w.run()["webhook features"]; r.Status != Warn || !strings.Contains(r.Detail, "PIPELINE_FIX") {
		t.Fatalf("PIPELINE_FIX in poll mode: %+v", r)
	}
	// A token that cannot read To-Dos fails the check.
	w.token = w.g.AddToken(w.bot.ID, []string{"read_repository"}, time.Now().AddDate(0, 0, 90), "project")
	if r := w.run()["intake"]; r.Status == OK {
		t.Fatalf("intake with a token without api scope: %+v", r)
	}
}
