package setup

import (
	"context"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
)

const hookURL = "https://claude.example.com/webhook"

func TestDiff(t *testing.T) {
	want := Wanted(Options{URL: hookURL, Secret: "fake-secret-1"})
	ours := gitlab.Hook{ID: 7, URL: hookURL, HookEvents: want.HookEvents, EnableSSLVerification: true, TokenPresent: true}
	pushy := ours
	pushy.Push, pushy.Notes, pushy.EnableSSLVerification, pushy.TokenPresent = true, false, false, false
	cases := []struct {
		name     string
		existing []gitlab.Hook
		create   bool
		changes  []string
		dups     int
	}{
		{"none", nil, true, nil, 0},
		{"other URL only", []gitlab.Hook{{ID: 1, URL: "https://ci.example.com/hook"}}, true, nil, 0},
		{"ours, right", []gitlab.Hook{ours}, false, nil, 0},
		{"ours with trailing slash", []gitlab.Hook{{ID: 7, URL: hookURL + "/", HookEvents: want.HookEvents, EnableSSLVerification: true, TokenPresent: true}}, false, []string{"URL"}, 0},
		{"ours, drifted", []gitlab.Hook{pushy}, false, []string{"push events", "comments (note events)", "SSL verification", "secret token"}, 0},
		{"ours twice", []gitlab.Hook{ours, {ID: 8, URL: hookURL}}, false, nil, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := Diff(c.existing, want)
			var got []string
			for _, ch := range p.Changes {
				got = append(got, ch.Setting)
			}
			if p.Create != c.create || strings.Join(got, ",") != strings.Join(c.changes, ",") || len(p.Duplicates) != c.dups {
				t.Fatalf("plan = %+v, changes %v", p, got)
			}
		})
	}
}

func TestWantedOptionalEventsAndSSL(t *testing.T) {
	w := Wanted(Options{URL: hookURL, Pipeline: true, Wiki: true, InsecureSSL: true})
	if !w.Pipelines || !w.WikiPages || w.EnableSSLVerification || w.Push || !w.ConfidentialNotes {
		t.Fatalf("wanted = %+v", w)
	}
	if s := NewSecret(); len(s) != 64 || s == NewSecret() {
		t.Fatalf("secret %q", s)
	}
}

func TestApplyCreatesThenUpdatesWithoutDuplicates(t *testing.T) {
	g, err := fakegitlab.New(fakegitlab.Options{RateLimitPerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	bot := g.AddUser("claude-bot", "Claude", true)
	p := g.AddProject("group/proj", "main", map[string]string{"README.md": "hi\n"})
	g.AddMember(p.ID, bot.ID, fakegitlab.Maintainer)
	tok := g.AddToken(bot.ID, []string{"api"}, time.Time{}, "project")
	gl, _ := gitlab.New(gitlab.Config{BaseURL: g.URL(), Token: func() string { return tok }})
	ctx, scope := context.Background(), gitlab.ProjectHooks("group/proj")

	run := func(o Options) Plan {
		t.Helper()
		plan, err := PlanFor(ctx, gl, scope, Wanted(o))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Apply(ctx, gl, scope, plan); err != nil {
			t.Fatal(err)
		}
		return plan
	}
	if plan := run(Options{URL: hookURL, Secret: "fake-secret-1"}); !plan.Create {
		t.Fatalf("first run: %+v", plan)
	}
	if plan := run(Options{URL: hookURL, Secret: "fake-secret-2", Pipeline: true}); plan.Create || len(plan.Changes) != 1 {
		t.Fatalf("second run: %+v", plan)
	}
	hooks := g.Hooks(p.ID)
	if len(hooks) != 1 || hooks[0].Token != "fake-secret-2" || !hooks[0].PipelineEvents || hooks[0].PushEvents ||
		!hooks[0].NoteEvents || !hooks[0].ConfidentialNoteEvents || !hooks[0].EnableSSLVerification {
		t.Fatalf("hooks = %+v", hooks)
	}
	if plan := run(Options{URL: hookURL, Secret: "fake-secret-2", Pipeline: true}); plan.Create || len(plan.Changes) != 0 {
		t.Fatalf("third run: %+v", plan)
	}
}

func TestApplyExplainsForbidden(t *testing.T) {
	g, _ := fakegitlab.New(fakegitlab.Options{RateLimitPerMinute: -1})
	defer g.Close()
	bot := g.AddUser("claude-bot", "Claude", true)
	p := g.AddProject("group/proj", "main", map[string]string{"README.md": "hi\n"})
	g.AddMember(p.ID, bot.ID, fakegitlab.Developer)
	tok := g.AddToken(bot.ID, []string{"api"}, time.Time{}, "project")
	gl, _ := gitlab.New(gitlab.Config{BaseURL: g.URL(), Token: func() string { return tok }})
	_, err := PlanFor(context.Background(), gl, gitlab.ProjectHooks("group/proj"), Wanted(Options{URL: hookURL}))
	if err == nil || !strings.Contains(err.Error(), "Maintainer") {
		t.Fatalf("err = %v", err)
	}
}
