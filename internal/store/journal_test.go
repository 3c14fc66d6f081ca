package store_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store/storetest"
)

func TestJournalTables(t *testing.T) { storetest.Each(t, testJournalTables) }

func testJournalTables(t *testing.T, tg storetest.Target) {
	ctx := context.Background()
	db := tg.Open(t)

	for range 2 { // a second attempt of the job keeps the first record
		if err := db.BeginJob(ctx, 7, 3, "acme/demo", `{"text":"hi"}`); err != nil {
			t.Fatal(err)
		}
	}
	before := time.Now().Add(-time.Second)
	if err := db.AddRunCost(ctx, 7, 0.25, 3, 1500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := db.AddRunCost(ctx, 7, 0.5, 2, time.Second); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishJob(ctx, 7, "answered"); err != nil {
		t.Fatal(err)
	}
	if err := db.BeginJob(ctx, 8, 3, "acme/demo", `{}`); err != nil {
		t.Fatal(err)
	}
	db.FinishJob(ctx, 8, "failed: x")
	db.BeginJob(ctx, 8, 3, "acme/demo", `{}`) // `jobs retry`
	if rec, _, _ := db.Job(ctx, 8); rec.Outcome != "" || !rec.FinishedAt.IsZero() {
		t.Fatalf("a job running again is not over: %+v", rec)
	}
	rec, ok, err := db.Job(ctx, 7)
	if err != nil || !ok {
		t.Fatalf("job 7: %v %v", ok, err)
	}
	if rec.CostUSD != 0.75 || rec.Turns != 5 || rec.AgentTime != 2500*time.Millisecond || rec.Outcome != "answered" || rec.Request != `{"text":"hi"}` {
		t.Fatalf("record: %+v", rec)
	}
	if spent, _ := db.SpentSince(ctx, 3, before); spent != 0.75 {
		t.Fatalf("spent since before: %v", spent)
	}
	if spent, _ := db.SpentSince(ctx, 3, time.Now().Add(time.Minute)); spent != 0 {
		t.Fatalf("spent in the future: %v", spent)
	}
	if spent, _ := db.SpentSince(ctx, 4, before); spent != 0 {
		t.Fatalf("another project spent %v", spent)
	}
	costs, err := db.JobCosts(ctx, []int64{7, 8})
	if err != nil || len(costs) != 1 || costs[7] != 0.75 {
		t.Fatalf("costs: %v %v", costs, err)
	}
	if list, _ := db.RecentJobs(ctx, store.JobFilter{ProjectPath: "other/x", Limit: 10}); len(list) != 0 {
		t.Fatalf("filter by project: %+v", list)
	}

	now := time.Now()
	if err := db.AppendEvents(ctx, []store.Event{{JobID: 7, Seq: 1, At: now, Kind: "text", Text: "a"},
		{JobID: 7, Seq: 2, At: now, Kind: "tool", Text: "Read x"}, {JobID: 7, Seq: 1, At: now, Kind: "text", Text: "again"}}); err != nil {
		t.Fatal(err)
	}
	evs, err := db.Events(ctx, 7, 1, 100)
	if err != nil || len(evs) != 1 || evs[0].Text != "Read x" {
		t.Fatalf("events after 1: %+v %v", evs, err)
	}
	if last, _ := db.LastEvent(ctx, 7); last != 2 {
		t.Fatalf("last event %d", last)
	}

	n, err := db.DeleteJournalBefore(ctx, now.Add(time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("deleted %d: %v", n, err)
	}
	if _, ok, _ := db.Job(ctx, 7); ok {
		t.Fatal("job record survived retention")
	}
	if evs, _ := db.Events(ctx, 7, 0, 100); len(evs) != 0 {
		t.Fatalf("transcript survived retention: %+v", evs)
	}

	k1, err := db.Key(ctx, "job-links")
	if err != nil || len(k1) != 32 {
		t.Fatalf("key: %x %v", k1, err)
	}
	k2, _ := db.Key(ctx, "job-links")
	k3, _ := db.Key(ctx, "other")
	if !bytes.Equal(k1, k2) || bytes.Equal(k1, k3) {
		t.Fatal("a key must stay the same once made, and differ by name")
	}
}
