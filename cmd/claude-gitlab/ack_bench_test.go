package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent/agenttest"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// BenchmarkAckWhileWorkersBusy: the real binary with both workers busy on long runs; 50 @claude
// mentions over 10 other threads arrive within a second. Reported: time from each 202 to its 👀
// (when the fake GitLab answered the award) and to the bot's note in the thread (p50, p99), with
// the service's defaults (GITLAB_RATE_LIMIT 2000).
//
//	go test ./cmd/claude-gitlab -run '^$' -bench AckWhileWorkersBusy -benchtime 1x
func BenchmarkAckWhileWorkersBusy(b *testing.B) {
	const mentions, threads = 50, 10
	g, token, alice, projects := benchGitLab(b, "acme/ack", 2) // WORKERS=2 runs at most one job per project at once
	dataDir := b.TempDir()
	s := startService(b, "GITLAB_URL="+g.URL(), "GITLAB_TOKEN="+token, "WEBHOOK_SECRET="+testSecret,
		"DATA_DIR="+dataDir, "CLAUDE_PATH="+agenttest.BuildFakeClaude(b), "ANTHROPIC_API_KEY=sk-fake-anthropic-key-for-bench",
		"WORKERS=2", "LOG_LEVEL=info")
	for _, proj := range projects { // both workers busy for the whole benchmark
		is := g.CreateIssue(proj.ID, alice.ID, "Long run", "", false)
		ev, body := g.IssueNoteEvent(proj.ID, is.IID, alice.ID, "@claude take your time\nFAKE_CLAUDE sleep 120")
		if code, _ := s.post(ev, body, "X-Gitlab-Token", testSecret); code != http.StatusAccepted {
			b.Fatalf("busy job: %d", code)
		}
	}
	busy := func() bool { // both long runs' agents have started (their private HOME exists)
		m, _ := filepath.Glob(filepath.Join(dataDir, "agent-homes", "job-[12]-*"))
		return len(m) == 2
	}
	waitUntil(b, "both workers to be busy", 60*time.Second, busy)
	var toEyes, toNote []time.Duration
	for range b.N {
		e, n := ackRound(b, s, g, projects, alice.ID, mentions, threads)
		toEyes, toNote = append(toEyes, e...), append(toNote, n...)
	}
	b.ReportMetric(ms(pct(toEyes, 50)), "eyes-p50-ms")
	b.ReportMetric(ms(pct(toEyes, 99)), "eyes-p99-ms")
	b.ReportMetric(ms(pct(toNote, 50)), "note-p50-ms")
	b.ReportMetric(ms(pct(toNote, 99)), "note-p99-ms")
	if !busy() || strings.Contains(s.logs.String(), `"msg":"job: answered"`) {
		b.Fatal("a worker became free during the benchmark: the figures are not for busy workers")
	}
}

type mentionSent struct {
	proj     fakegitlab.Project
	iid      int64
	noteID   int64
	accepted time.Time
}

// ackRound sends mentions over threads new issues within a second and returns, for each, the
// time from its 202 to its 👀 and to the bot's note.
func ackRound(b *testing.B, s *service, g *fakegitlab.GitLab, projects []fakegitlab.Project, author int64, mentions, threads int) (eyes, notes []time.Duration) {
	type thread struct {
		proj fakegitlab.Project
		iid  int64
	}
	var ths []thread
	for i := range threads {
		proj := projects[i%len(projects)]
		ths = append(ths, thread{proj, g.CreateIssue(proj.ID, author, fmt.Sprintf("Thread %d", i), "", false).IID})
	}
	type delivery struct {
		thread
		event  string
		body   []byte
		noteID int64
	}
	var ds []delivery
	for i := range mentions {
		th := ths[i%threads]
		ev, body := g.IssueNoteEvent(th.proj.ID, th.iid, author, fmt.Sprintf("@claude question %d", i))
		ds = append(ds, delivery{th, ev, body, lastNoteID(g, th.proj.ID, th.iid)})
	}
	sent := make([]mentionSent, len(ds))
	var wg sync.WaitGroup
	every := time.Second / time.Duration(mentions) // all within one second
	for i, d := range ds {
		wg.Go(func() {
			<-time.After(time.Duration(i) * every) // arrivals spread over one second
			req, _ := http.NewRequest(http.MethodPost, s.url+"/webhook", bytes.NewReader(d.body))
			req.Header.Set("X-Gitlab-Event", d.event)
			req.Header.Set("X-Gitlab-Token", testSecret)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				b.Errorf("mention %d: status %d", i, resp.StatusCode)
			}
			sent[i] = mentionSent{d.proj, d.iid, d.noteID, time.Now()}
		})
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	waitUntil(b, "every mention's 👀 and note", 60*time.Second, func() bool {
		for _, m := range sent {
			if _, ok := awardedAt(g, m); !ok {
				return false
			}
		}
		return true
	})
	for _, m := range sent {
		at, _ := awardedAt(g, m)
		eyes = append(eyes, at.Sub(m.accepted))
	}
	// Each thread's bot notes, oldest first, belong to its mentions in order of arrival.
	for _, th := range ths {
		var bn []fakegitlab.Note
		waitUntil(b, "the bot's notes", 60*time.Second, func() bool {
			bn = botNotesOf(g, th.proj.ID, th.iid)
			return len(bn) == mentions/threads
		})
		var mine []mentionSent
		for _, m := range sent {
			if m.iid == th.iid && m.proj.ID == th.proj.ID {
				mine = append(mine, m)
			}
		}
		sort.Slice(mine, func(i, j int) bool { return mine[i].noteID < mine[j].noteID })
		for k, n := range bn {
			notes = append(notes, n.CreatedAt.Sub(mine[k].accepted))
		}
	}
	return eyes, notes
}

func lastNoteID(g *fakegitlab.GitLab, projectID, iid int64) int64 {
	n := g.Notes(projectID, fakegitlab.ThreadIssue, ref(iid))
	return n[len(n)-1].ID
}

func botNotesOf(g *fakegitlab.GitLab, projectID, iid int64) []fakegitlab.Note {
	var out []fakegitlab.Note
	for _, n := range g.Notes(projectID, fakegitlab.ThreadIssue, ref(iid)) {
		if n.Author == "claude-bot" {
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// awardedAt is when the fake GitLab answered the 👀 on m's note.
func awardedAt(g *fakegitlab.GitLab, m mentionSent) (time.Time, bool) {
	suffix := fmt.Sprintf("/issues/%d/notes/%d/award_emoji", m.iid, m.noteID)
	for _, r := range g.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, suffix) && r.Status < 300 &&
			strings.Contains(r.Path, fmt.Sprintf("/projects/%d/", m.proj.ID)) {
			return r.Time, true
		}
	}
	return time.Time{}, false
}

func pct(d []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, len(s)*p/100)]
}

func waitUntil(b *testing.B, what string, timeout time.Duration, cond func() bool) {
	b.Helper()
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	deadline := time.After(timeout)
	for !cond() {
		select {
		case <-t.C:
		case <-deadline:
			b.Fatalf("timed out waiting for %s", what)
		}
	}
}

// benchGitLab is a fake GitLab (no rate limit) with the bot, its token, alice and n projects
// named prefix-0… where both are Developers; it closes with the benchmark.
func benchGitLab(b *testing.B, prefix string, n int) (g *fakegitlab.GitLab, token string, alice fakegitlab.User, projects []fakegitlab.Project) {
	b.Helper()
	g, err := fakegitlab.New(fakegitlab.Options{RateLimitPerMinute: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(g.Close)
	bot := g.AddUser("claude-bot", "Claude", true)
	token = g.AddToken(bot.ID, []string{"api", "read_repository", "write_repository"}, time.Now().Add(90*24*time.Hour), "project")
	alice = g.AddUser("alice", "Alice", false)
	for p := range n {
		proj := g.AddProject(fmt.Sprintf("%s-%d", prefix, p), "main", map[string]string{"README.md": "# bench\n"})
		g.AddMember(proj.ID, bot.ID, fakegitlab.Developer)
		g.AddMember(proj.ID, alice.ID, fakegitlab.Developer)
		projects = append(projects, proj)
	}
	return g, token, alice, projects
}
