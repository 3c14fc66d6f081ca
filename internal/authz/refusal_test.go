package authz

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestRefusalKey(t *testing.T) {
	cases := []struct {
		now    time.Time
		thread string
		author int64
		want   string
	}{
		{time.Date(2026, 12, 7, 14, 0, 0, 0, time.UTC), "1/issue/5", 42, "refusal/2026-12-07/1/issue/5/42"},
		{time.Date(2026, 12, 7, 23, 59, 59, 0, time.UTC), "1/issue/5", 42, "refusal/2026-12-07/1/issue/5/42"},
		{time.Date(2026, 12, 8, 0, 30, 0, 0, time.FixedZone("CET", 3600)), "1/merge_request/2", 7, "refusal/2026-12-07/1/merge_request/2/7"}, // 23:30 UTC
	}
	for _, c := range cases {
		if got := RefusalKey(c.now, c.thread, c.author); got != c.want {
			t.Errorf("RefusalKey(%v, %q, %d) = %q, want %q", c.now, c.thread, c.author, got, c.want)
		}
	}
}

// refusals is a RefusalLog in memory: the first owner of a key keeps it.
type refusals struct {
	owners map[string]string
	err    error
}

func (r *refusals) First(_ context.Context, key, owner string) (bool, error) {
	if r.err != nil {
		return false, r.err
	}
	if _, ok := r.owners[key]; !ok {
		r.owners[key] = owner
	}
	return r.owners[key] == owner, nil
}

func TestFirstRefusal(t *testing.T) {
	ctx := context.Background()
	log := &refusals{owners: map[string]string{}}
	steps := []struct {
		thread      string
		author, job int64
		want        bool
	}{
		{"1/issue/5", 42, 1, true},
		{"1/issue/5", 42, 2, false}, // the same author again in the thread: no second reply
		{"1/issue/5", 42, 1, true},  // job 1 retried after a lost reply is still the first
		{"1/issue/6", 42, 3, true},  // another thread
		{"1/issue/5", 43, 4, true},  // another author
	}
	for _, s := range steps {
		if got, err := FirstRefusal(ctx, log, s.thread, s.author, s.job); err != nil || got != s.want {
			t.Errorf("FirstRefusal(%q, author %d, job %d) = %v, %v; want %v", s.thread, s.author, s.job, got, err, s.want)
		}
	}
	if first, err := FirstRefusal(ctx, nil, "1/issue/5", 42, 9); err != nil || !first {
		t.Errorf("without a log: %v, %v; want every refusal the first", first, err)
	}
	if _, err := FirstRefusal(ctx, &refusals{err: errors.New("db down")}, "1/issue/5", 42, 9); err == nil {
		t.Error("a log that fails: no error")
	}
}
