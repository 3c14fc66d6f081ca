package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store/storetest"
)

// Two replicas starting at once on an empty database: the migrations run once, both end current.
func TestMigrationsRunOnceWhenStartedTogether(t *testing.T) {
	storetest.Each(t, func(t *testing.T, tg storetest.Target) {
		const n = 4
		dbs := make([]*store.DB, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { dbs[i], errs[i] = store.Open(context.Background(), tg.URL, tg.DataDir) })
		}
		wg.Wait()
		applied := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("opener %d: %v", i, errs[i])
			}
			defer dbs[i].Close()
			if dbs[i].Applied > 0 {
				applied++
				if dbs[i].Applied != store.SchemaVersion() {
					t.Fatalf("opener %d applied %d migrations, want all %d", i, dbs[i].Applied, store.SchemaVersion())
				}
			}
		}
		if applied != 1 {
			t.Fatalf("%d openers applied migrations, want exactly 1", applied)
		}
		var rows int
		if err := dbs[0].QueryRow(`SELECT COUNT(*) FROM claude_migrations`).Scan(&rows); err != nil || rows != store.SchemaVersion() {
			t.Fatalf("claude_migrations has %d rows (%v), want %d", rows, err, store.SchemaVersion())
		}
		if v, err := dbs[1].Version(context.Background()); err != nil || v != store.SchemaVersion() {
			t.Fatalf("version %d %v", v, err)
		}
	})
}

func TestSteps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		db := tg.Open(t)
		if err := db.SaveStep(ctx, 4, "note", "11"); err != nil {
			t.Fatal(err)
		}
		db.SaveStep(ctx, 4, "note", "12") // replaced
		db.SaveStep(ctx, 4, "award", "1")
		db.SaveStep(ctx, 5, "note", "99")
		db.DeleteStep(ctx, 4, "award")
		got, err := db.Steps(ctx, 4)
		if err != nil || len(got) != 1 || got["note"] != "12" {
			t.Fatalf("steps of job 4: %v %v", got, err)
		}
	})
}

// A transcript line with a NUL byte and invalid UTF-8 (agent output can hold both) is stored.
func TestTranscriptTakesAnyBytes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		db := tg.Open(t)
		if err := db.AppendEvents(ctx, []store.Event{{JobID: 1, Seq: 1, Kind: "text", Text: "a\x00b\xffc"}}); err != nil {
			t.Fatal(err)
		}
		evs, err := db.Events(ctx, 1, 0, 10)
		if err != nil || len(evs) != 1 || !strings.HasPrefix(evs[0].Text, "a") || !strings.HasSuffix(evs[0].Text, "c") {
			t.Fatalf("events: %+v %v", evs, err)
		}
	})
}

func TestInspectPostgres(t *testing.T) {
	tg := storetest.Postgres(t)
	if _, err := store.InspectPostgres(context.Background(), tg.URL); err != store.ErrNoDatabase {
		t.Fatalf("empty schema: %v, want ErrNoDatabase", err)
	}
	tg.Open(t)
	if v, err := store.InspectPostgres(context.Background(), tg.URL); err != nil || v != store.SchemaVersion() {
		t.Fatalf("after open: %d %v", v, err)
	}
	if d := store.Describe("postgres://u:secret@db.example:6543/claude"); strings.Contains(d, "secret") || d != "PostgreSQL db.example:6543/claude" {
		t.Fatalf("describe: %q", d)
	}
}
