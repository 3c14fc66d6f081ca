package jobstate_test

import (
	"context"
	"errors"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
)

type memStore struct {
	saved map[string]string
	fail  error
}

func (m *memStore) SaveStep(ctx context.Context, jobID int64, name, value string) error {
	if m.fail != nil {
		return m.fail
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	m.saved[name] = value
	return nil
}

func (m *memStore) DeleteStep(ctx context.Context, jobID int64, name string) error {
	if m.fail != nil {
		return m.fail
	}
	delete(m.saved, name)
	return nil
}

func TestRecord(t *testing.T) {
	store := &memStore{saved: map[string]string{}}
	r := jobstate.NewRecord(store, 7, map[string]string{"note": "42"})
	if v, ok := r.Value("note"); !ok || v != "42" || !r.Has("note") || r.Has("award") {
		t.Fatalf("recorded steps: note=%q %v, has award %v", v, ok, r.Has("award"))
	}
	// A cancelled job still writes down what it did.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.Save(ctx, "award", "done"); err != nil || store.saved["award"] != "done" {
		t.Fatalf("save after cancel: %v, stored %q", err, store.saved["award"])
	}
	type pushed struct{ Branch string }
	if err := r.Save(ctx, "pushed", pushed{"claude/x"}); err != nil || store.saved["pushed"] != `{"Branch":"claude/x"}` {
		t.Fatalf("save as JSON: %v, stored %q", err, store.saved["pushed"])
	}
	var p pushed
	if !r.Get("pushed", &p) || p.Branch != "claude/x" || r.Get("note-missing", &p) || r.Get("award", &p) {
		t.Fatalf("get: %+v", p)
	}
	if err := r.Forget(ctx, "award"); err != nil || r.Has("award") || store.saved["award"] != "" {
		t.Fatalf("forget: %v", err)
	}
	store.fail = errors.New("disk full")
	if err := r.Save(context.Background(), "mr", "1"); err == nil || r.Has("mr") {
		t.Fatal("a step the store refused counts as recorded")
	}
	if jobstate.NewRecord(nil, 0, nil).Has("x") {
		t.Fatal("an empty record has a step")
	}
}
