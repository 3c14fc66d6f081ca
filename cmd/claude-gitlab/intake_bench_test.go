package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/logging"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/webhook/webhooktest"
)

const benchConns = 32

// benchService runs serve in-process on loopback, as in production (SQLite, fsync per commit).
func benchService(b *testing.B) string {
	g, token := testGitLab(b)
	cfg, err := config.Load(func(string) (string, bool) { return "", false }, "", false)
	if err != nil {
		b.Fatal(err)
	}
	cfg.GitLabURL, cfg.GitLabToken, cfg.WebhookSecret = g.URL(), token, testSecret
	cfg.DataDir, cfg.ListenAddr, cfg.WebhookRateLimit = b.TempDir(), "127.0.0.1:0", 0
	cfg.Intake = config.IntakeWebhook // decided by Load from a secret it had not seen yet: poll, which answers 404
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := serve(ctx, cfg, logging.New(os.Stderr, "error", "text"), func(a string) { addr <- a }); err != nil {
			b.Error(err)
		}
	}()
	b.Cleanup(func() { cancel(); <-done })
	return "http://" + <-addr + "/webhook"
}

// post sends n deliveries over one keep-alive connection and records each latency.
func postMany(b *testing.B, client *http.Client, url, event string, bodies func(i int) []byte, from, n int, lat []time.Duration, want int, bad *atomic.Int64) {
	for i := from; i < from+n; i++ {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(bodies(i)))
		req.Header.Set("X-Gitlab-Event", event)
		req.Header.Set("X-Gitlab-Token", testSecret)
		req.Header.Set("Idempotency-Key", "bench-"+strconv.Itoa(i))
		start := time.Now()
		resp, err := client.Do(req)
		lat[i] = time.Since(start)
		if err != nil || resp.StatusCode != want {
			bad.Add(1)
		}
		if resp != nil {
			io.Copy(io.Discard, resp.Body) // read to the end so the connection is reused
			resp.Body.Close()
		}
	}
}

func runIntake(b *testing.B, event string, want int, bodies func(i int) []byte) {
	url := benchService(b)
	lat := make([]time.Duration, b.N)
	var bad atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	per := (b.N + benchConns - 1) / benchConns
	for c := 0; c < benchConns; c++ {
		from, n := c*per, min(per, b.N-c*per)
		if n <= 0 {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			postMany(b, client, url, event, bodies, from, n, lat, want, &bad)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if bad.Load() > 0 {
		b.Fatalf("%d of %d deliveries did not get %d", bad.Load(), b.N, want)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(lat[b.N/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[b.N*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkIntakeQueued: distinct @claude notes, each durably queued (202) before the answer.
func BenchmarkIntakeQueued(b *testing.B) {
	tmpl := string(webhooktest.Raw(b, "note_issue.json"))
	// Each delivery is a different note: replace the note's id and text in the real payload.
	p := webhooktest.Load(b, "note_issue.json").Set("object_attributes.note", "@claude NOTE_TEXT").Set("object_attributes.id", 123456789)
	tmpl = string(p.Bytes(b))
	bodies := func(i int) []byte {
		s := strings.Replace(tmpl, "123456789", strconv.Itoa(10_000_000+i), 1)
		return []byte(strings.Replace(s, "NOTE_TEXT", fmt.Sprintf("please look at item %d", i), 1))
	}
	runIntake(b, "Note Hook", http.StatusAccepted, bodies)
}

// BenchmarkIntakeIgnored: push events, answered 200 ignored without touching the database.
func BenchmarkIntakeIgnored(b *testing.B) {
	body := webhooktest.Raw(b, "push.json")
	runIntake(b, "Push Hook", http.StatusOK, func(int) []byte { return body })
}

// BenchmarkIdleRSS starts the real binary and reports its resident memory once idle.
func BenchmarkIdleRSS(b *testing.B) {
	g, token := testGitLab(b)
	var rss float64
	for range b.N {
		s := startService(b, "GITLAB_URL="+g.URL(), "GITLAB_TOKEN="+token, "WEBHOOK_SECRET="+testSecret, "DATA_DIR="+b.TempDir(), "LOG_LEVEL=warn")
		time.Sleep(2 * time.Second) // idle is what is measured: the memory after start-up, with nothing to do
		rss = readRSSMB(b, s.cmd.Process.Pid)
		s.kill()
	}
	b.ReportMetric(rss, "idle-RSS-MB")
}

func readRSSMB(b *testing.B, pid int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}
