package queue

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store/storetest"
)

// BenchmarkIntakeBesideWorkerWrites: distinct deliveries durably queued by 32 senders while two
// "workers" write job steps and read on the database without pause (what running jobs do:
// steps, transcript lines, gate queries), SQLite. Side by side in the same run: the intake on the
// shared connection (before issue 19); on its own connection waiting for the write lock with
// SQLite's busy handler (sleeps of 1, 2, 5, 10 … ms); on its own connection trying again within
// 50 µs – 1 ms (store.BeginIntake, now).
//
//	go test ./internal/queue -run '^$' -bench IntakeBesideWorkerWrites -benchtime 5000x
func BenchmarkIntakeBesideWorkerWrites(b *testing.B) {
	for _, way := range []string{"shared-connection", "own-connection-sqlite-wait", "own-connection-intake-first"} {
		b.Run(way, func(b *testing.B) {
			ctx := context.Background()
			db, err := store.Open(ctx, "", storetest.SQLite(b).DataDir)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			switch way {
			case "shared-connection":
				db.Intake.Close()
				db.Intake = nil
			case "own-connection-sqlite-wait": // BeginIntake never sees SQLITE_BUSY: SQLite waits
				if _, err := db.Intake.ExecContext(ctx, "PRAGMA busy_timeout = 10000"); err != nil {
					b.Fatal(err)
				}
			}
			q := startBenchQueue(b, db)
			defer q.Close()
			wctx, stop := context.WithCancel(ctx)
			var workers sync.WaitGroup
			for w := range 2 {
				workers.Go(func() { workerTraffic(wctx, db, int64(1_000_000+w)) })
			}
			b.ResetTimer()
			lat, elapsed := sendDeliveries(b, q, 32)
			b.StopTimer()
			stop()
			workers.Wait()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "queued/s")
			b.ReportMetric(float64(lat[b.N/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[b.N*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// sendDeliveries queues b.N distinct deliveries (two keys each, over 10 threads) from senders
// goroutines at once, and returns each one's wait for its answer, sorted, and the time it took.
func sendDeliveries(b *testing.B, q *Queue, senders int) ([]time.Duration, time.Duration) {
	ctx := context.Background()
	lat := make([]time.Duration, b.N)
	var wg sync.WaitGroup
	start := time.Now()
	for s := range senders {
		wg.Go(func() {
			for i := s; i < b.N; i += senders {
				d := delivery(int64(i), fmt.Sprintf("bench:%d", i), fmt.Sprintf("note:7:%d", i))
				d.Request.Thread = event.Thread{Type: event.ThreadIssue, IID: int64(i % 10)}
				t0 := time.Now()
				if _, err := q.Enqueue(ctx, d); err != nil {
					b.Error(err)
				}
				lat[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat, elapsed
}

// workerTraffic is a running job's database traffic: a step recorded, the steps read back, a
// gate-like count, over and over.
func workerTraffic(ctx context.Context, db *store.DB, jobID int64) {
	for i := 0; ctx.Err() == nil; i++ {
		_ = db.SaveStep(ctx, jobID, fmt.Sprintf("line-%d", i%50), "a transcript line of the agent's stream")
		_, _ = db.Steps(ctx, jobID)
		var n int
		_ = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE state = 'available'`).Scan(&n)
	}
}

// BenchmarkIntakeCPU: 16 senders (as wrk -c16 in scripts/bench-intake.sh), SQLite, the ack
// lane's row included, nothing else running. cpu-µs/delivery is the whole process's user and
// system time per delivery, which the machine's other load disturbs less than the rate.
//
//	go test ./internal/queue -run '^$' -bench IntakeCPU -benchtime 5000x
func BenchmarkIntakeCPU(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, "", storetest.SQLite(b).DataDir)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	q := startBenchQueue(b, db)
	defer q.Close()
	before := cpuTime()
	b.ResetTimer()
	lat, elapsed := sendDeliveries(b, q, 16)
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-before).Microseconds())/float64(b.N), "cpu-µs/delivery")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "queued/s")
	b.ReportMetric(float64(lat[b.N*99/100].Microseconds())/1000, "p99-ms")
}

// startBenchQueue opens and starts a queue on db with the ack lane's rows, as the service does.
func startBenchQueue(b *testing.B, db *store.DB) *Queue {
	ctx := context.Background()
	q, err := Open(ctx, db, Options{AckLane: true})
	if err != nil {
		b.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		b.Fatal(err)
	}
	return q
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
