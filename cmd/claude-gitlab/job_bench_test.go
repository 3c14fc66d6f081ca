package main

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent/agenttest"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/logging"
)

// agentTimes records when the agent of each run started and ended.
type agentTimes struct {
	mu         sync.Mutex
	start, end []time.Time
}

func (a *agentTimes) wrap(run func(context.Context, agent.Config, agent.Request, func(agent.Progress)) (agent.Result, error)) func(context.Context, agent.Config, agent.Request, func(agent.Progress)) (agent.Result, error) {
	return func(ctx context.Context, cfg agent.Config, req agent.Request, p func(agent.Progress)) (agent.Result, error) {
		a.mu.Lock()
		a.start = append(a.start, time.Now())
		a.mu.Unlock()
		res, err := run(ctx, cfg, req, p)
		a.mu.Lock()
		a.end = append(a.end, time.Now())
		a.mu.Unlock()
		return res, err
	}
}

// BenchmarkJobOverhead measures what the service adds around the agent for a Q&A request on a
// repository of 20,000 files, with the fake CLI that answers at once: webhook received → agent
// started, agent exited → reply visible, and GitLab API calls per job. The first job (cold
// repository cache) is reported apart.
func BenchmarkJobOverhead(b *testing.B) {
	g, err := fakegitlab.New(fakegitlab.Options{RateLimitPerMinute: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	bot := g.AddUser("claude-bot", "Claude", true)
	token := g.AddToken(bot.ID, []string{"api"}, time.Now().Add(90*24*time.Hour), "project")
	alice := g.AddUser("alice", "Alice", false)
	files := map[string]string{}
	for i := range 20_000 {
		files[fmt.Sprintf("pkg%03d/file%05d.go", i/100, i)] = fmt.Sprintf("package pkg%03d\n\nconst X%d = %d\n", i/100, i, i)
	}
	proj := g.AddProject("acme/big", "main", files)
	if _, err := g.Git(proj.ID, "repack", "-adq"); err != nil {
		b.Fatal(err)
	}
	g.AddMember(proj.ID, bot.ID, fakegitlab.Developer)
	g.AddMember(proj.ID, alice.ID, fakegitlab.Developer)

	times := &agentTimes{}
	runAgent = times.wrap(agent.Run)
	defer func() { runAgent = agent.Run }()
	url := jobBenchService(b, g, token)

	issue := g.CreateIssue(proj.ID, alice.ID, "Question", "", false)
	run := func(i int) (toAgent, toReply time.Duration, calls int) {
		before := len(apiRequests(g))
		ev, body := g.IssueNoteEvent(proj.ID, issue.IID, alice.ID, fmt.Sprintf("@claude question %d", i))
		sent := time.Now()
		postWebhook(b, url, ev, body)
		visible := waitFinished(b, g, proj.ID, issue.IID, i+1)
		times.mu.Lock()
		start, end := times.start[i], times.end[i]
		times.mu.Unlock()
		return start.Sub(sent), visible.Sub(end), len(apiRequests(g)) - before
	}
	coldAgent, coldReply, coldCalls := run(0)
	var toAgent, toReply []time.Duration
	calls := 0
	b.ResetTimer()
	for i := 1; i <= b.N; i++ {
		a, r, c := run(i)
		toAgent, toReply = append(toAgent, a), append(toReply, r)
		calls = c
	}
	b.StopTimer()
	b.ReportMetric(ms(median(toAgent)), "warm-to-agent-ms")
	b.ReportMetric(ms(median(toReply)), "warm-reply-ms")
	b.ReportMetric(float64(calls), "api-calls/job")
	b.ReportMetric(float64(coldCalls), "cold-api-calls")
	b.ReportMetric(ms(coldAgent), "cold-to-agent-ms")
	b.ReportMetric(ms(coldReply), "cold-reply-ms")
}

func jobBenchService(b *testing.B, g *fakegitlab.GitLab, token string) string {
	cfg, err := config.Load(func(string) (string, bool) { return "", false }, "", false)
	if err != nil {
		b.Fatal(err)
	}
	cfg.GitLabURL, cfg.GitLabToken, cfg.WebhookSecret = g.URL(), token, testSecret
	cfg.DataDir, cfg.ListenAddr = b.TempDir(), "127.0.0.1:0"
	cfg.Intake = config.IntakeWebhook // Load chose poll (no secret yet), which answers webhooks 404
	cfg.ClaudePath = agenttest.BuildFakeClaude(b)
	cfg.AgentEnv = []string{"ANTHROPIC_API_KEY=sk-fake-bench"}
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		serve(ctx, cfg, logging.New(os.Stderr, cmp.Or(os.Getenv("BENCH_LOG_LEVEL"), "error"), "text"), func(a string) { addr <- a })
	}()
	b.Cleanup(func() { cancel(); <-done })
	return "http://" + <-addr + "/webhook"
}

func postWebhook(b *testing.B, url, event string, body []byte) {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(string(body)))
	req.Header.Set("X-Gitlab-Event", event)
	req.Header.Set("X-Gitlab-Token", testSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		b.Fatalf("webhook: %v %v", resp, err)
	}
	resp.Body.Close()
}

// waitFinished polls the fake until the issue has n final answers and returns when it saw it.
func waitFinished(b *testing.B, g *fakegitlab.GitLab, pid, iid int64, n int) time.Time {
	deadline := time.After(60 * time.Second)
	for {
		next := g.NextRequest() // before reading: a note posted after the read closes it
		done := 0
		for _, note := range g.Notes(pid, fakegitlab.ThreadIssue, ref(iid)) {
			if note.Author == "claude-bot" && finished(note) {
				done++
			}
		}
		if done >= n {
			return time.Now()
		}
		select {
		case <-next:
		case <-deadline:
			b.Fatalf("answer %d never came", n)
		}
	}
}

func apiRequests(g *fakegitlab.GitLab) []fakegitlab.RequestRecord {
	var out []fakegitlab.RequestRecord
	for _, r := range g.Requests() {
		if strings.HasPrefix(r.Path, "/api/v4/") {
			out = append(out, r)
		}
	}
	return out
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
