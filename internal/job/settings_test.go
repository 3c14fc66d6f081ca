package job

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/projectconfig"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
)

// A job's settings are the operator's with what the project's file may narrow taken from the
// effective settings; what only the operator sets stays, and the Runner's own are untouched.
func TestNarrowedSettings(t *testing.T) {
	op := Settings{MinAccessLevel: 30, UseMR: false, AutoMerge: true, BranchPrefix: "claude/",
		Agent:      agent.Config{Path: "claude", Model: "big", MaxTurns: 30, MaxBudgetUSD: 5, AllowedTools: []string{"Read", "Edit"}, Timeout: time.Hour},
		AgentHomes: "/homes", DailyBudgetUSD: 50, Instructions: "operator", PipelineFixAttempts: 3, TriggerPhrase: "@claude",
		ConfidentialChanges: true, PipelineWait: time.Minute, ToolsBinary: "/bin/x", SessionMaxAge: time.Hour}
	r := &Runner{Settings: op}
	eff := projectconfig.Effective{Operator: projectconfig.Operator{Model: "small", MaxTurns: 5, MaxBudgetUSD: 1,
		AllowedTools: []string{"Read"}, UseMR: true, AutoMerge: false, AutoReview: true, BranchPrefix: "bot/"},
		Instructions: "be brief", ForbiddenPaths: []string{"secrets/**"}, SensitivePaths: []string{"deploy/**"},
		ToolProjects: []string{"acme/lib"}}
	got := r.Settings.narrowed(eff)
	want := op
	want.Agent.Model, want.Agent.MaxTurns, want.Agent.MaxBudgetUSD, want.Agent.AllowedTools = "small", 5, 1, []string{"Read"}
	want.UseMR, want.AutoMerge, want.AutoReview, want.BranchPrefix = true, false, true, "bot/"
	want.Instructions, want.ForbiddenPaths, want.SensitivePaths = "be brief", []string{"secrets/**"}, []string{"deploy/**"}
	want.ToolProjects = []string{"acme/lib"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("narrowed:\n got %+v\nwant %+v", got, want)
	}
	if !reflect.DeepEqual(r.Settings, op) {
		t.Fatalf("the Runner's settings changed: %+v", r.Settings)
	}
}

// The project's file applies to the job that reads it: the agent runs with its turns and
// instructions, the change goes to a branch with its prefix; the Runner keeps the operator's.
func TestProjectSettingsApplyToTheJob(t *testing.T) {
	var cfg agent.Config
	var prompt string
	h := newHarness(t, func(ctx context.Context, c agent.Config, req agent.Request, p func(agent.Progress)) (agent.Result, error) {
		cfg, prompt = c, req.Prompt
		return writes("Added the notes.", map[string]string{"NOTES.md": "notes\n"})(ctx, c, req, p)
	})
	h.r.Settings.Agent.MaxTurns = 30
	h.g.CommitFiles(h.proj.ID, "main", "main", map[string]string{
		".claude-gitlab.yml": "max_turns: 5\nbranch_prefix: proj/\ninstructions: Write in French.\n"})
	req := h.request("Notes", "@claude add a NOTES.md")
	req.Project.DefaultBranch = "main"
	if err := h.handle(1, 1, 3, req); err != nil {
		t.Fatal(err)
	}
	if cfg.MaxTurns != 5 || !strings.Contains(prompt, "Write in French.") {
		t.Fatalf("the agent ran with %d turns and a prompt without the project's instructions:\n%s", cfg.MaxTurns, prompt)
	}
	var p publish.Pushed
	if err := json.Unmarshal([]byte(h.steps.get(1, stepPushed)), &p); err != nil || !strings.HasPrefix(p.Branch, "proj/") {
		t.Fatalf("pushed %+v (%v); want a branch starting with proj/", p, err)
	}
	if h.r.Settings.Agent.MaxTurns != 30 || h.r.Settings.BranchPrefix != "claude/" {
		t.Fatalf("the Runner's settings changed: %+v", h.r.Settings)
	}
}
