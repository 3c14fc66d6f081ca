package job

import (
	"context"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/authz"
	"log/slog"
	"reflect"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/metrics"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/projectconfig"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/redact"
)

type (
	stubGitLab     struct{ GitLab }
	stubWorkspaces struct{ Workspaces }
	stubSteps      struct{ StepStore }
	stubJournal    struct{ Journal }
	stubRefusals   struct{ authz.RefusalLog }
	stubTools      struct{ ToolServer }
	stubSessions   struct{ SessionStore }
	stubControl    struct{ Control }
)

// withSettings copies every field of the Runner but the settings: a field added later and
// forgotten there would silently be nil in every job.
func TestWithSettingsKeepsEveryField(t *testing.T) {
	r := &Runner{GitLab: &stubGitLab{}, Workspaces: &stubWorkspaces{},
		Steps: &stubSteps{}, Redactor: redact.New("x"), Metrics: metrics.New(), Log: slog.Default(),
		Journal: &stubJournal{}, JobURL: func(int64, bool) string { return "x" }, SettingsCache: NewSettingsCache(),
		Allow: &authz.AllowLists{}, Refusals: &stubRefusals{}, Tools: &stubTools{}, Sessions: &stubSessions{}, Control: &stubControl{}}
	r.Agent = func(context.Context, agent.Config, agent.Request, func(agent.Progress)) (agent.Result, error) {
		return agent.Result{}, nil
	}
	r.Settings.Agent.MaxTurns = 30
	c := r.withSettings(projectconfig.Effective{Operator: projectconfig.Operator{MaxTurns: 5, UseMR: true}})
	rv, cv := reflect.ValueOf(r).Elem(), reflect.ValueOf(c).Elem()
	exported := 0
	for i := range rv.NumField() {
		f := rv.Type().Field(i)
		if !f.IsExported() || f.Name == "Settings" {
			continue
		}
		exported++
		if rv.Field(i).IsNil() {
			t.Fatalf("the test leaves %s nil: give it a value above", f.Name)
		}
		same := cv.Field(i).Kind() == reflect.Func && cv.Field(i).Pointer() == rv.Field(i).Pointer() ||
			cv.Field(i).Kind() != reflect.Func && cv.Field(i).Interface() == rv.Field(i).Interface()
		if !same {
			t.Errorf("withSettings does not copy %s", f.Name)
		}
	}
	if exported != 15 {
		t.Fatalf("Runner has %d exported fields besides Settings; update withSettings and this test", exported)
	}
	if c.Settings.Agent.MaxTurns != 5 || !c.Settings.UseMR || r.Settings.Agent.MaxTurns != 30 {
		t.Fatalf("settings: copy %+v, original %+v", c.Settings, r.Settings)
	}
}
