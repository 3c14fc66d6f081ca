package main

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent/agenttest"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// BenchmarkPollMentionToEyes: the real binary in poll mode with the default POLL_INTERVAL (10 s)
// and no webhook at all. Each mention is written at a random moment of the poll cycle (0–10 s after
// the previous one's 👀), and the time from writing it to the 👀 on it is measured. The first
// comes to an idle poller (every POLL_INTERVAL); the others to one that polls faster for a minute
// after a request. Target: every one ≤ POLL_INTERVAL + 2 s.
//
//	go test ./cmd/claude-gitlab -run '^$' -bench PollMentionToEyes -benchtime 1x
func BenchmarkPollMentionToEyes(b *testing.B) {
	const interval, mentions = 10 * time.Second, 8
	g, token, alice, projects := benchGitLab(b, "acme/poll", 1)
	proj := projects[0]
	startService(b, "INTAKE=poll", "GITLAB_URL="+g.URL(), "GITLAB_TOKEN="+token, "DATA_DIR="+b.TempDir(),
		"CLAUDE_PATH="+agenttest.BuildFakeClaude(b), "ANTHROPIC_API_KEY=sk-fake-anthropic-key-for-bench", "LOG_LEVEL=warn")
	var idle, active []time.Duration
	for range b.N {
		for i := range mentions {
			<-time.After(rand.N(interval)) // the arrival: a random moment of the poll cycle (what is measured depends on it)
			is := g.CreateIssue(proj.ID, alice.ID, fmt.Sprintf("Question %d", i), "", false)
			asked := time.Now()
			n := g.AddNote(proj.ID, fakegitlab.ThreadIssue, ref(is.IID), alice.ID, "@claude-bot what does the README say?")
			waitUntil(b, "👀 on the mention", 3*interval, func() bool {
				for _, a := range g.Awards(proj.ID, fakegitlab.ThreadIssue, ref(is.IID)) {
					if a.NoteID == n.ID && a.Name == "eyes" {
						return true
					}
				}
				return false
			})
			if took := time.Since(asked); i == 0 {
				idle = append(idle, took)
			} else {
				active = append(active, took)
			}
		}
	}
	sort.Slice(active, func(i, j int) bool { return active[i] < active[j] })
	b.ReportMetric(idle[len(idle)-1].Seconds(), "idle-s")
	b.ReportMetric(active[len(active)/2].Seconds(), "active-p50-s")
	b.ReportMetric(active[len(active)-1].Seconds(), "active-max-s")
	if worst := max(idle[len(idle)-1], active[len(active)-1]); worst > interval+2*time.Second {
		b.Errorf("a mention waited %s for its 👀, over POLL_INTERVAL + 2 s", worst)
	}
}
