package main

import (
	"context"
	"fmt"
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
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store/storetest"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/webhook/webhooktest"
)

// BenchmarkIntakePostgres: BenchmarkIntakeQueued on PostgreSQL (loopback, one database), with 1
// and 3 replicas of serve in this process, the 32 connections spread round-robin over them.
//
//	go test ./cmd/claude-gitlab -run '^$' -bench IntakePostgres -benchtime 20000x
func BenchmarkIntakePostgres(b *testing.B) {
	p := webhooktest.Load(b, "note_issue.json").Set("object_attributes.note", "@claude NOTE_TEXT").Set("object_attributes.id", 123456789)
	tmpl := string(p.Bytes(b))
	bodies := func(i int) []byte {
		s := strings.Replace(tmpl, "123456789", strconv.Itoa(10_000_000+i), 1)
		return []byte(strings.Replace(s, "NOTE_TEXT", fmt.Sprintf("please look at item %d", i), 1))
	}
	for _, n := range []int{1, 3} {
		b.Run(fmt.Sprintf("replicas=%d", n), func(b *testing.B) {
			tg := storetest.Postgres(b)
			var urls []string
			for range n {
				urls = append(urls, benchReplica(b, tg.URL))
			}
			lat := make([]time.Duration, b.N)
			var bad atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			per := (b.N + benchConns - 1) / benchConns
			for c := 0; c < benchConns; c++ {
				from, cnt := c*per, min(per, b.N-c*per)
				if cnt <= 0 {
					break
				}
				url := urls[c%len(urls)]
				wg.Go(func() {
					client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
					postMany(b, client, url, "Note Hook", bodies, from, cnt, lat, http.StatusAccepted, &bad)
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if bad.Load() > 0 {
				b.Fatalf("%d of %d deliveries were not queued", bad.Load(), b.N)
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
			b.ReportMetric(float64(lat[b.N/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[b.N*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// benchReplica runs serve in-process on databaseURL, with its own DATA_DIR, and returns its
// webhook URL.
func benchReplica(b *testing.B, databaseURL string) string {
	g, token := testGitLab(b)
	cfg, err := config.Load(func(string) (string, bool) { return "", false }, "", false)
	if err != nil {
		b.Fatal(err)
	}
	cfg.GitLabURL, cfg.GitLabToken, cfg.WebhookSecret = g.URL(), token, testSecret
	cfg.DataDir, cfg.ListenAddr, cfg.WebhookRateLimit, cfg.DatabaseURL = b.TempDir(), "127.0.0.1:0", 0, databaseURL
	cfg.Intake = config.IntakeWebhook // Load chose poll (no secret yet), which answers webhooks 404
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := serve(ctx, cfg, logging.New(os.Stderr, "error", "text"), func(a string) { addr <- a }); err != nil {
			b.Error(err)
			addr <- ""
		}
	}()
	b.Cleanup(func() { cancel(); <-done })
	return "http://" + <-addr + "/webhook"
}
