package store_test

import (
	"context"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/store/storetest"
)

// One refusal a day per user and thread: the first job to record a key owns it, on SQLite and on
// PostgreSQL (shared by replicas); its own retry is still the first.
func TestFirstRefusalIsRecordedOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, tg storetest.Target) {
		db := tg.Open(t)
		ctx := context.Background()
		for _, c := range []struct {
			key, owner string
			want       bool
		}{{"2026-12-07/1/issue/3/42", "100", true}, {"2026-12-07/1/issue/3/42", "101", false},
			{"2026-12-07/1/issue/3/42", "100", true}, {"2026-12-07/1/issue/4/42", "102", true}} {
			got, err := db.First(ctx, c.key, c.owner)
			if err != nil || got != c.want {
				t.Fatalf("First(%s, %s) = %t, %v; want %t", c.key, c.owner, got, err, c.want)
			}
		}
	})
}
