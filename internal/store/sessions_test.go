package store_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store/storetest"
)

func TestSessionsByThreadAndRetention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		db := tg.Open(t)
		old := time.Now().Add(-48 * time.Hour)
		data := bytes.Repeat([]byte{0, 1, 2, 255}, 1000)
		for _, s := range []store.Session{
			{JobID: 1, ThreadKey: "7/issue/1", SessionID: "s1", Data: data, LastNoteID: 10, CreatedAt: old},
			{JobID: 3, ThreadKey: "7/issue/1", SessionID: "s3", Data: []byte("three"), LastNoteID: 30, PrivateTo: 42, CreatedAt: time.Now()},
			{JobID: 2, ThreadKey: "7/issue/2", SessionID: "s2", Data: []byte("two"), LastNoteID: 20, CreatedAt: time.Now()},
		} {
			if err := db.SaveSession(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		s, ok, err := db.LatestSession(ctx, "7/issue/1", 5)
		if err != nil || !ok || s.SessionID != "s3" || s.LastNoteID != 30 || s.PrivateTo != 42 || string(s.Data) != "three" {
			t.Fatalf("latest = %+v %v %v", s, ok, err)
		}
		s, ok, err = db.LatestSession(ctx, "7/issue/1", 3)
		if err != nil || !ok || s.JobID != 1 || !bytes.Equal(s.Data, data) || s.CreatedAt.Unix() != old.Unix() {
			t.Fatalf("before job 3 = %+v %v %v", s.JobID, ok, err)
		}
		if _, ok, _ := db.LatestSession(ctx, "7/issue/9", 5); ok {
			t.Fatal("a session for a thread that has none")
		}
		if _, err := db.DeleteJournalBefore(ctx, time.Now().Add(-24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := db.LatestSession(ctx, "7/issue/1", 3); ok {
			t.Fatal("a session older than the retention survived")
		}
		if _, ok, _ := db.LatestSession(ctx, "7/issue/1", 5); !ok {
			t.Fatal("a recent session was deleted")
		}
	})
}
