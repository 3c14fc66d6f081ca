package agent_test

import (
	"errors"
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/sandbox"
)

// envSandbox "confines" by running the CLI through env(1) with one more variable: enough to see
// that Run starts what the sandbox returns. internal/sandbox tests the real confinement.
type envSandbox struct {
	got sandbox.Command
	err error
}

func (s *envSandbox) Wrap(c sandbox.Command) (*sandbox.Run, error) {
	s.got = c
	if s.err != nil {
		return nil, s.err
	}
	return &sandbox.Run{Path: "/usr/bin/env", Args: append([]string{"SANDBOXED=yes", c.Path}, c.Args...), Env: c.Env, Dir: c.Dir}, nil
}

func TestRunStartsTheSandboxedCommand(t *testing.T) {
	sb := &envSandbox{}
	r := runFake(t, "FAKE_CLAUDE env", func(c *agent.Config, q *agent.Request) { c.Sandbox = sb })
	if r.err != nil {
		t.Fatalf("Run: %v", r.err)
	}
	env := envOf(r.res.Text)
	if env["SANDBOXED"] != "yes" {
		t.Errorf("the CLI did not run through the sandbox:\n%s", r.res.Text)
	}
	if sb.got.Home == "" || env["HOME"] != sb.got.Home || !strings.Contains(strings.Join(sb.got.Args, " "), "stream-json") {
		t.Errorf("the sandbox got %+v", sb.got)
	}
}

func TestRunFailsWhenTheSandboxCannotBeSetUp(t *testing.T) {
	sb := &envSandbox{err: errors.New("no bwrap")}
	r := runFake(t, "FAKE_CLAUDE answer never", func(c *agent.Config, q *agent.Request) { c.Sandbox = sb })
	if r.err == nil || !strings.Contains(r.err.Error(), "no bwrap") {
		t.Fatalf("err = %v", r.err)
	}
}
