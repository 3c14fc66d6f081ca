package projectconfig

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

var operator = Operator{
	Model: "claude-sonnet-4-5", MaxTurns: 30, MaxBudgetUSD: 2, AllowedTools: []string{"Read", "Edit", "Write", "Bash(git log *)"},
	UseMR: false, AutoMerge: true, BranchPrefix: "claude/",
}

func TestParseProblemsNameTheLine(t *testing.T) {
	tests := []struct {
		name, file string
		want       string // the first problem, as shown
	}{
		{"syntax", "max_turns: 3\nuse_mr: true: false\n", "line 2: not valid YAML"},
		{"unknown key", "max_turns: 3\nmax_turn: 4\n", "line 2: unknown setting `max_turn`"},
		{"twice", "use_mr: true\nuse_mr: false\n", "line 2: `use_mr` is set twice (first on line 1)"},
		{"not a number", "model: sonnet\nmax_turns: lots\n", "line 2: `max_turns` must be a whole number from 1 to 1000"},
		{"zero turns", "max_turns: 0\n", "line 1: `max_turns` must be a whole number"},
		{"bool as text", "\n\nauto_merge: \"yes please\"\n", "line 3: `auto_merge` must be true or false"},
		{"tools not a list", "allowed_tools: Read, Edit\n", "line 1: `allowed_tools` must be a list"},
		{"tool not text", "allowed_tools:\n  - Read\n  - {a: b}\n", "line 3: `allowed_tools`: each item must be a short text"},
		{"bad prefix", "branch_prefix: ../main\n", "line 1: `branch_prefix` \"../main\" is not a valid start"},
		{"bad pattern", "forbidden_paths:\n  - ../etc\n", "line 2: `forbidden_paths`: `../etc`: . and .. are not allowed"},
		{"not a mapping", "- a\n- b\n", "line 1: the file must be a mapping"},
		{"budget negative", "max_budget_usd: -1\n", "line 1: `max_budget_usd` must be a number above 0"},
		{"model with spaces", "model: my model\n", "line 1: `model` \"my model\" is not a model name"},
		{"instructions not text", "instructions:\n  - a\n", "line 2: `instructions` must be text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, problems := Parse([]byte(tt.file))
			if len(problems) == 0 {
				t.Fatalf("no problem found in %q", tt.file)
			}
			if got := problems[0].String(); !strings.HasPrefix(got, tt.want) {
				t.Fatalf("problem %q, want it to start with %q", got, tt.want)
			}
		})
	}
	if _, problems := Parse([]byte(strings.Repeat("#", MaxFileBytes+1))); len(problems) != 1 {
		t.Fatal("an oversized file must be refused")
	}
}

func TestParseReadsEverySetting(t *testing.T) {
	f, problems := Parse([]byte(`# settings of acme/demo
instructions: |
  Use tabs.
  Run go vet.
model: haiku
max_turns: 10
max_budget_usd: 0.5
allowed_tools:
  - Read
  - Edit
use_mr: true
auto_merge: false
auto_review: false
branch_prefix: bot/
forbidden_paths:
  - secrets/
  - "*.pem"
`))
	if len(problems) != 0 {
		t.Fatalf("problems: %v", problems)
	}
	if f.Instructions.V != "Use tabs.\nRun go vet." || f.Model.V != "haiku" || f.MaxTurns.V != 10 || f.MaxTurns.Line != 6 ||
		f.MaxBudgetUSD.V != 0.5 || !reflect.DeepEqual(f.AllowedTools.V, []string{"Read", "Edit"}) || f.AllowedTools.Line != 8 ||
		!f.UseMR.V || f.AutoMerge.V || f.AutoReview.V || f.BranchPrefix.V != "bot/" ||
		!reflect.DeepEqual(f.ForbiddenPaths.V, []string{"secrets/", "*.pem"}) {
		t.Fatalf("parsed: %+v", f)
	}
	if _, problems := Parse(nil); problems != nil {
		t.Fatalf("an empty file is fine: %v", problems)
	}
}

func TestApplyNarrowsNeverWidens(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		check   func(Effective) bool
		refused []string // settings refused
	}{
		{"nothing asked", "", func(e Effective) bool { return reflect.DeepEqual(e.Operator, operator) }, nil},
		{"fewer tools", "allowed_tools: [Read]", func(e Effective) bool { return reflect.DeepEqual(e.AllowedTools, []string{"Read"}) }, nil},
		{"an extra tool refuses the list", "allowed_tools: [Read, Bash]", func(e Effective) bool {
			return reflect.DeepEqual(e.AllowedTools, operator.AllowedTools)
		}, []string{"allowed_tools"}},
		{"a wider Bash pattern is another tool", "allowed_tools: [\"Bash(*)\"]", func(e Effective) bool {
			return reflect.DeepEqual(e.AllowedTools, operator.AllowedTools)
		}, []string{"allowed_tools"}},
		{"fewer turns", "max_turns: 5", func(e Effective) bool { return e.MaxTurns == 5 }, nil},
		{"more turns", "max_turns: 50", func(e Effective) bool { return e.MaxTurns == 30 }, []string{"max_turns"}},
		{"lower budget", "max_budget_usd: 0.25", func(e Effective) bool { return e.MaxBudgetUSD == 0.25 }, nil},
		{"higher budget", "max_budget_usd: 5", func(e Effective) bool { return e.MaxBudgetUSD == 2 }, []string{"max_budget_usd"}},
		{"always MR", "use_mr: true", func(e Effective) bool { return e.UseMR }, nil},
		{"no auto-merge", "auto_merge: false", func(e Effective) bool { return !e.AutoMerge }, nil},
		{"auto-review not offered", "auto_review: true", func(e Effective) bool { return !e.AutoReview }, []string{"auto_review"}},
		{"cheaper model", "model: haiku", func(e Effective) bool { return e.Model == "haiku" }, nil},
		{"same family", "model: sonnet", func(e Effective) bool { return e.Model == "sonnet" }, nil},
		{"dearer model", "model: opus", func(e Effective) bool { return e.Model == operator.Model }, []string{"model"}},
		{"unknown model", "model: gpt-4", func(e Effective) bool { return e.Model == operator.Model }, []string{"model"}},
		{"instructions and paths", "instructions: Be brief.\nforbidden_paths: [db/migrations/]\nbranch_prefix: bot/", func(e Effective) bool {
			return e.Instructions == "Be brief." && reflect.DeepEqual(e.ForbiddenPaths, []string{"db/migrations/"}) && e.BranchPrefix == "bot/"
		}, nil},
		{"several at once", "max_turns: 99\nuse_mr: true\nauto_review: true", func(e Effective) bool {
			return e.MaxTurns == 30 && e.UseMR
		}, []string{"max_turns", "auto_review"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, problems := Parse([]byte(tt.file))
			if len(problems) > 0 {
				t.Fatalf("problems: %v", problems)
			}
			e, refused := Apply(operator, f)
			if !tt.check(e) {
				t.Fatalf("effective: %+v", e)
			}
			var names []string
			for _, r := range refused {
				names = append(names, r.Setting)
				if r.Line == 0 || r.Why == "" {
					t.Errorf("refusal without a line or reason: %+v", r)
				}
			}
			if !reflect.DeepEqual(names, tt.refused) {
				t.Fatalf("refused %v, want %v (%v)", names, tt.refused, refused)
			}
		})
	}
}

func TestOperatorRulesTheOtherWay(t *testing.T) {
	op := Operator{UseMR: true, AutoMerge: false, MaxTurns: 10, AllowedTools: []string{"Read"}}
	f, _ := Parse([]byte("use_mr: false\nauto_merge: true\nmodel: opus\n"))
	e, refused := Apply(op, f)
	if e.UseMR != true || e.AutoMerge != false || e.Model != "opus" || len(refused) != 2 {
		t.Fatalf("effective %+v, refused %v", e, refused)
	}
	if !strings.Contains(refused[0].String(), "line 1, `use_mr`: GITLAB_USE_MR is true") {
		t.Fatalf("refusal: %s", refused[0])
	}
	// The operator's list is never mutated through the effective settings.
	f, _ = Parse([]byte("allowed_tools: [Read]"))
	e, _ = Apply(op, f)
	e.AllowedTools[0] = "Bash"
	if op.AllowedTools[0] != "Read" {
		t.Fatal("Apply shares the operator's slice")
	}
}

func TestForbidden(t *testing.T) {
	tests := []struct {
		pattern string
		yes     []string
		no      []string
	}{
		{"secrets/", []string{"secrets/a.txt", "secrets/x/y", "app/secrets/a"}, []string{"secrets.txt"}},
		{"/secrets/", []string{"secrets/a.txt"}, []string{"app/secrets/a"}},
		{"*.pem", []string{"key.pem", "deep/in/key.pem"}, []string{"key.pem.txt", "pem"}},
		{"config/*.yml", []string{"config/app.yml"}, []string{"config/sub/app.yml", "x/config/app.yml"}},
		{"deploy/**", []string{"deploy/a", "deploy/a/b/c"}, []string{"deployment/a"}},
		{"**/generated/*.go", []string{"generated/a.go", "x/y/generated/b.go"}, []string{"generated/a/b.go"}},
		{".gitlab-ci.yml", []string{".gitlab-ci.yml", "sub/.gitlab-ci.yml"}, []string{"x.gitlab-ci.yml"}},
		{"/Makefile", []string{"Makefile"}, []string{"sub/Makefile"}},
		{"db/migrations", []string{"db/migrations/001.sql"}, []string{"db/migrations2/x"}},
		{"a?c.txt", []string{"abc.txt"}, []string{"a/c.txt"}},
	}
	for _, tt := range tests {
		for _, p := range tt.yes {
			if _, pat, ok := Forbidden([]string{"unrelated/", tt.pattern}, []string{"README.md", p}); !ok || pat != tt.pattern {
				t.Errorf("%q should forbid %q", tt.pattern, p)
			}
		}
		for _, p := range tt.no {
			if path, _, ok := Forbidden([]string{tt.pattern}, []string{p}); ok {
				t.Errorf("%q should not forbid %q", tt.pattern, path)
			}
		}
	}
}

func TestSensitivePathsCoverCIBotSettingsAndOwners(t *testing.T) {
	patterns := SensitivePatterns("ci/pipeline.yml", []string{"deploy/"})
	changed := []string{"README.md", ".gitlab-ci.yml", "templates/build.gitlab-ci.yml", ".gitlab/claude.yml",
		".gitlab/issue_templates/bug.md", ".claude-gitlab.yml", "docs/CLAUDE.md", ".claude/settings.json",
		".gitmodules", "CODEOWNERS", "docs/CODEOWNERS", "ci/pipeline.yml", "deploy/prod.sh", "src/gitlab/ci.go", "sub/.gitmodules"}
	got := Touched(patterns, changed)
	want := []string{".gitlab-ci.yml", "templates/build.gitlab-ci.yml", ".gitlab/claude.yml", ".gitlab/issue_templates/bug.md",
		".claude-gitlab.yml", "docs/CLAUDE.md", ".claude/settings.json", ".gitmodules", "CODEOWNERS", "docs/CODEOWNERS",
		"ci/pipeline.yml", "deploy/prod.sh"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("touched:\n got %q\nwant %q", got, want)
	}
	if p := SensitivePatterns("ci.yml@group/other-project", nil); len(p) != len(DefaultSensitive) {
		t.Fatalf("a CI file of another project is not a path here: %q", p)
	}
	f, problems := Parse([]byte("sensitive_paths: [\"infra/\"]\n"))
	e, _ := Apply(Operator{}, f)
	if len(problems) > 0 || !reflect.DeepEqual(e.SensitivePaths, []string{"infra/"}) {
		t.Fatalf("sensitive_paths: %+v %v", e, problems)
	}
}

func TestGitLabToolsSettings(t *testing.T) {
	f, problems := Parse([]byte("gitlab_tools_projects:\n  - acme/other\n  - outside/lib\nallowed_tools:\n  - Read\n  - mcp__gitlab__read_issue\n"))
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	op := operator
	op.AllowedTools = append(op.AllowedTools, "mcp__gitlab")
	op.AllowedProjects = []string{"acme/*"}
	e, refused := Apply(op, f)
	if !reflect.DeepEqual(e.ToolProjects, []string{"acme/other"}) {
		t.Errorf("tool projects = %v, want only the one within ALLOWED_PROJECTS", e.ToolProjects)
	}
	if len(refused) != 1 || refused[0].Setting != "gitlab_tools_projects" || !strings.Contains(refused[0].Why, "outside/lib") {
		t.Errorf("refused = %v", refused)
	}
	if !reflect.DeepEqual(e.AllowedTools, []string{"Read", "mcp__gitlab__read_issue"}) {
		t.Errorf("a project may narrow mcp__gitlab to one of its tools: %v", e.AllowedTools)
	}
	// Without mcp__gitlab on the server, a project cannot turn its tools on.
	e, refused = Apply(operator, f)
	if len(refused) != 1 || refused[0].Setting != "allowed_tools" || slices.Contains(e.AllowedTools, "mcp__gitlab__read_issue") {
		t.Errorf("widened: %v, refused %v", e.AllowedTools, refused)
	}
	if _, problems := Parse([]byte("gitlab_tools_projects:\n  - not a path\n")); len(problems) != 1 {
		t.Errorf("a bad project path was accepted")
	}
}
