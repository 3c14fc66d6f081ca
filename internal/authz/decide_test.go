package authz

import (
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

func TestDecide(t *testing.T) {
	p := Policy{MinAccessLevel: 30, ProjectAllowed: true, Users: map[int64]bool{7: true}, Bots: map[int64]bool{9: true}}
	cases := []struct {
		name  string
		p     Policy
		a     Asker
		task  trigger.Task
		quiet bool
		want  Verdict
	}{
		{"Developer", p, Asker{ID: 1, Level: 30}, trigger.TaskAnswer, false, Allow},
		{"Reporter mention: one reply", p, Asker{ID: 1, Level: 20}, trigger.TaskAnswer, false, Refuse},
		{"Reporter's pipeline: quietly", p, Asker{ID: 1, Level: 20}, trigger.TaskPipelineFix, true, Ignore},
		{"non-member in ALLOWED_USERS", p, Asker{ID: 7}, trigger.TaskAnswer, false, Allow},
		{"a Maintainer bot not in ALLOWED_BOTS", p, Asker{ID: 8, Level: 40, Bot: true}, trigger.TaskAnswer, false, Ignore},
		{"bot in ALLOWED_BOTS", p, Asker{ID: 9, Bot: true}, trigger.TaskAnswer, false, Allow},
		{"a bot's id in ALLOWED_USERS is not enough", p, Asker{ID: 7, Bot: true}, trigger.TaskAnswer, false, Ignore},
		{"the bot's own pipeline", p, Asker{ID: 5, Self: true}, trigger.TaskPipelineFix, true, Allow},
		{"the bot's own note", p, Asker{ID: 5, Self: true, Level: 40}, trigger.TaskAnswer, false, Ignore},
		{"project not allowed", Policy{MinAccessLevel: 30}, Asker{ID: 1, Level: 50}, trigger.TaskAnswer, false, Ignore},
	}
	for _, c := range cases {
		if got := Decide(c.p, c.a, c.task, c.quiet); got.Verdict != c.want || got.Reason == "" {
			t.Errorf("%s: got %+v, want %s", c.name, got, c.want)
		}
	}
}
