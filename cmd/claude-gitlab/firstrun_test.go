package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// serve starts without what jobs need and says so: one line each for the CLI, the credential,
// PUBLIC_URL and the sandbox, in the words doctor uses for the same problems.
func TestServeSaysAtStartWhatJobsWillLack(t *testing.T) {
	g, token := testGitLab(t)
	env := []string{"GITLAB_URL=" + g.URL(), "GITLAB_TOKEN=" + token, "WEBHOOK_SECRET=" + testSecret,
		"DATA_DIR=" + t.TempDir(), "CLAUDE_PATH=claude-not-installed-here", "AGENT_SANDBOX=none"}
	svc := startService(t, env...)
	doctorOut, _ := runCLIAt(t, t.TempDir(), env, "doctor")
	svc.sigterm()
	var said []string
	for _, line := range strings.Split(svc.logs.String(), "\n") {
		var rec struct{ Level, Msg, Fix string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Fix != "" && rec.Level == "WARN" {
			said = append(said, rec.Msg)
		}
	}
	for _, want := range []string{`✗ claude CLI: "claude-not-installed-here" not found on PATH`, "✗ Anthropic credential: none of",
		"! public endpoint: PUBLIC_URL is not set", "✗ agent sandbox: AGENT_SANDBOX=none"} {
		n := 0
		for _, s := range said {
			if strings.HasPrefix(s, want) {
				n++
				if !strings.Contains(doctorOut, s+"\n") {
					t.Errorf("serve said %q; doctor says it otherwise:\n%s", s, doctorOut)
				}
			}
		}
		if n != 1 {
			t.Errorf("serve said %q %d times, want once; it said %q", want, n, said)
		}
	}
}
