package journal

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/waitfor"
)

func open(t *testing.T) (*Journal, *store.DB) {
	t.Helper()
	db, err := store.OpenSQLite(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	j := New(db, nil)
	t.Cleanup(j.Close)
	return j, db
}

func next(t *testing.T, s *Sub) Event {
	t.Helper()
	select {
	case e, ok := <-s.C:
		if !ok {
			t.Fatal("subscription closed")
		}
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no line within 5s")
	}
	return Event{}
}

func TestLinesAreStoredThenSentLive(t *testing.T) {
	ctx := context.Background()
	j, _ := open(t)
	j.Begin(ctx, 1, trigger.Request{Project: event.Project{ID: 5, Path: "acme/demo"}, Text: "@claude hi"})
	sub := j.Subscribe(1)
	defer sub.Close()
	other := j.Subscribe(2)
	defer other.Close()

	j.Record(ctx, 1, KindText, "Let me look.")
	j.Record(ctx, 1, KindTool, "Read main.go")
	if e := next(t, sub); e.Seq != 1 || e.Kind != KindText || e.Text != "Let me look." {
		t.Fatalf("first line: %+v", e)
	}
	e := next(t, sub)
	if e.Seq != 2 || e.Text != "Read main.go" {
		t.Fatalf("second line: %+v", e)
	}
	// Sent live only once stored: a page that subscribes, then reads, misses nothing.
	stored, err := j.Events(ctx, 1, 0)
	if err != nil || len(stored) != 2 {
		t.Fatalf("stored: %+v %v", stored, err)
	}
	j.AddRun(ctx, 1, 0.5, 3, time.Second)
	j.Finish(ctx, 1, "answered")
	if e := next(t, sub); e.Kind != KindEnd || e.Text != "answered" {
		t.Fatalf("end: %+v", e)
	}
	select {
	case e := <-other.C:
		t.Fatalf("job 2's subscriber got %+v", e)
	default:
	}
	rec, ok, _ := j.Job(ctx, 1)
	if !ok || rec.ProjectPath != "acme/demo" || rec.CostUSD != 0.5 || rec.Outcome != "answered" || !strings.Contains(rec.Request, "@claude hi") {
		t.Fatalf("record: %+v", rec)
	}
}

func TestTranscriptIsBounded(t *testing.T) {
	ctx := context.Background()
	j, db := open(t)
	j.Record(ctx, 3, KindText, strings.Repeat("é", MaxLineBytes)) // cut on a rune boundary
	for range MaxLines + 50 {
		j.Record(ctx, 3, KindTool, "Read x")
	}
	j.Record(ctx, 3, KindStep, "Answered")
	j.Close()
	evs, err := db.Events(ctx, 3, 0, 10*MaxLines)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != MaxLines+2 {
		t.Fatalf("%d lines stored, want %d", len(evs), MaxLines+2)
	}
	if first := evs[0].Text; len(first) > MaxLineBytes+20 || !strings.HasSuffix(first, "[… cut]") || !strings.HasPrefix(first, "é") {
		t.Fatalf("long line: %d bytes, ends %q", len(first), first[len(first)-12:])
	}
	if cut := evs[MaxLines].Text; !strings.Contains(cut, "transcript is cut") {
		t.Fatalf("line %d: %q", MaxLines+1, cut)
	}
	if last := evs[len(evs)-1]; last.Kind != KindStep || last.Text != "Answered" {
		t.Fatalf("a step after the cap must be kept: %+v", last)
	}
}

func TestResumedJobContinuesNumbering(t *testing.T) {
	ctx := context.Background()
	_, db := open(t)
	first := New(db, nil)
	first.Record(ctx, 9, KindText, "one")
	first.Close()
	second := New(db, nil) // a restart of the service
	second.Record(ctx, 9, KindText, "two")
	second.Close()
	evs, _ := db.Events(ctx, 9, 0, 10)
	if len(evs) != 2 || evs[1].Seq != 2 || evs[1].Text != "two" {
		t.Fatalf("events: %+v", evs)
	}
}

func TestSweeperDeletesOldTranscripts(t *testing.T) {
	ctx := context.Background()
	j, db := open(t)
	j.Begin(ctx, 4, trigger.Request{Project: event.Project{ID: 5, Path: "acme/demo"}})
	j.Record(ctx, 4, KindText, "old")
	j.Begin(ctx, 6, trigger.Request{Project: event.Project{ID: 5, Path: "acme/demo"}})
	j.Record(ctx, 6, KindText, "young")
	j.Flush()
	// Job 4 began two hours ago: its record and its lines are past an hour's retention.
	old := time.Now().Add(-2 * time.Hour).UnixMilli()
	if _, err := db.ExecContext(ctx, db.Rebind(`UPDATE claude_jobs SET created_at = ? WHERE job_id = 4`), old); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, db.Rebind(`UPDATE claude_job_events SET at = ? WHERE job_id = 4`), old); err != nil {
		t.Fatal(err)
	}
	stop := j.StartSweeper(ctx, time.Hour, time.Hour) // sweeps at once
	waitfor.Cond(t, "the sweep of the job older than the retention", 5*time.Second, func() bool {
		_, ok, _ := db.Job(ctx, 4)
		return !ok
	})
	stop() // waits for a sweep in progress
	if evs, _ := db.Events(ctx, 4, 0, 10); len(evs) != 0 {
		t.Fatalf("its transcript is still there: %+v", evs)
	}
	if _, ok, _ := db.Job(ctx, 6); !ok {
		t.Fatal("a job younger than the retention was deleted")
	}
}

// Flush returns once the lines recorded before it are stored and sent live.
func TestFlushWaitsForTheWriter(t *testing.T) {
	ctx := context.Background()
	j, db := open(t)
	sub := j.Subscribe(7)
	defer sub.Close()
	for i := range 500 {
		j.Record(ctx, 7, KindText, fmt.Sprint("line ", i))
	}
	j.Flush()
	if evs, _ := db.Events(ctx, 7, 0, 1000); len(evs) != 500 {
		t.Fatalf("%d lines stored after Flush, want 500", len(evs))
	}
	if n := len(sub.C); n != 500 {
		t.Fatalf("%d lines sent live after Flush, want 500", n)
	}
	j.Close()
	j.Flush() // after Close: returns at once
}
