package publish

import (
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/projectconfig"
)

func TestSettingsEntries(t *testing.T) {
	op := projectconfig.Operator{MaxTurns: 5, AllowedTools: []string{"Read", "Edit"}, UseMR: true}
	tests := []struct{ name, got, want string }{
		{"applied, CLI's model", SettingsAppliedEntry(".claude-gitlab.yml", "main", projectconfig.Effective{Operator: op}),
			"Settings from .claude-gitlab.yml on main: model (the CLI's default), 5 turns, tools Read, Edit, use_mr true, auto_merge false"},
		{"applied, forbidden paths", SettingsAppliedEntry(".gitlab/claude.yml", "trunk", projectconfig.Effective{
			Operator: projectconfig.Operator{Model: "haiku", MaxTurns: 3, AutoMerge: true}, ForbiddenPaths: []string{"secrets/", "*.pem"}}),
			"Settings from .gitlab/claude.yml on trunk: model haiku, 3 turns, tools , use_mr false, auto_merge true, forbidden paths secrets/, *.pem"},
		{"invalid", SettingsInvalidEntry(".claude-gitlab.yml", []string{"line 1: a", "line 2: b"}),
			".claude-gitlab.yml is invalid, using the server's settings: line 1: a; line 2: b"},
		{"refused", SettingsRefusedEntry(".claude-gitlab.yml", []string{"line 1, `model`: no"}),
			"Refused in .claude-gitlab.yml: line 1, `model`: no"},
		{"code list", CodeList([]string{".gitlab-ci.yml", "CLAUDE.md"}), "`.gitlab-ci.yml`, `CLAUDE.md`"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestChangeRefusals(t *testing.T) {
	tests := []struct {
		name, what, todo, wantWhat, wantTodo string
	}{
		{"forbidden", "", "", "Claude's change touches `secrets/a.txt`, which this project's `forbidden_paths` (`secrets/` in .claude-gitlab.yml) does not allow, so nothing was pushed.",
			"Ask for the change without that file, or change `forbidden_paths` on the default branch."},
		{"sensitive", "", "", "Claude's change touches `.gitlab-ci.yml`, `CLAUDE.md`: CI configuration, the bot's settings and guidance (CLAUDE.md, .claude/), submodules and code owners change only when a Maintainer or Owner asks, and @ann is Developer here, so nothing was pushed.",
			"Ask a Maintainer or Owner of the project to request this change, or ask again for a change that leaves these files alone."},
	}
	tests[0].what, tests[0].todo = ForbiddenRefusal("secrets/a.txt", "secrets/", ".claude-gitlab.yml")
	tests[1].what, tests[1].todo = SensitiveRefusal([]string{".gitlab-ci.yml", "CLAUDE.md"}, "ann", 30)
	for _, tt := range tests {
		if tt.what != tt.wantWhat || tt.todo != tt.wantTodo {
			t.Errorf("%s:\n got %q %q\nwant %q %q", tt.name, tt.what, tt.todo, tt.wantWhat, tt.wantTodo)
		}
	}
}
