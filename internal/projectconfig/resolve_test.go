package projectconfig

import (
	"reflect"
	"testing"
)

func TestResolve(t *testing.T) {
	defaults := Defaults(operator)
	narrowed := defaults
	narrowed.MaxTurns, narrowed.Source = 5, ".claude-gitlab.yml"
	tests := []struct {
		name  string
		found Found
		want  Resolved
	}{
		{"no file", Found{}, Resolved{Effective: defaults}},
		{"hidden", Found{Path: ".claude-gitlab.yml", Forbidden: true}, Resolved{Effective: defaults}},
		{"invalid", Found{Path: ".claude-gitlab.yml", Data: []byte("max_turns: lots\n")},
			Resolved{Effective: defaults, Problems: []string{"line 1: `max_turns` must be a whole number from 1 to 1000, not \"lots\""}}},
		{"narrows", Found{Path: ".claude-gitlab.yml", Data: []byte("max_turns: 5\n")}, Resolved{Effective: narrowed}},
		{"widens: the refused setting keeps the server's value, the rest applies", Found{Path: ".claude-gitlab.yml", Data: []byte("max_turns: 5\nallowed_tools: [Read, WebFetch]\n")},
			Resolved{Effective: narrowed, Refused: []string{"line 2, `allowed_tools`: `WebFetch` is not in the server's CLAUDE_ALLOWED_TOOLS (Read, Edit, Write, Bash(git log *))"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Resolve(operator, tt.found)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("resolved\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestSensitiveTouched(t *testing.T) {
	tests := []struct {
		name, ciConfig string
		extra, changed []string
		want           []string
	}{
		{"none", "", nil, []string{"README.md", "src/main.go"}, nil},
		{"defaults", "", nil, []string{"README.md", ".gitlab-ci.yml", "CLAUDE.md"}, []string{".gitlab-ci.yml", "CLAUDE.md"}},
		{"the project's CI path", "ci/pipeline.yml", nil, []string{"ci/pipeline.yml", "ci/other.yml"}, []string{"ci/pipeline.yml"}},
		{"another project's CI file", "ci.yml@group/other", nil, []string{"ci.yml"}, nil},
		{"the project's additions", "", []string{"deploy/"}, []string{"deploy/prod.sh", "deployment.md"}, []string{"deploy/prod.sh"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SensitiveTouched(tt.ciConfig, tt.extra, tt.changed); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("touched %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMayChangeSensitive(t *testing.T) {
	for level, want := range map[int]bool{0: false, 10: false, 20: false, 30: false, 40: true, 50: true} {
		if got := MayChangeSensitive(level); got != want {
			t.Errorf("level %d: %t, want %t", level, got, want)
		}
	}
}
