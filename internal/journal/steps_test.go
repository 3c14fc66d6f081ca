package journal

import (
	"context"
	"errors"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

type stepStore struct {
	saved map[string]string
	fail  error
}

func (s *stepStore) Steps(context.Context, int64) (map[string]string, error) { return s.saved, nil }
func (s *stepStore) DeleteStep(_ context.Context, _ int64, name string) error {
	delete(s.saved, name)
	return nil
}
func (s *stepStore) SaveStep(_ context.Context, _ int64, name, value string) error {
	if s.fail != nil {
		return s.fail
	}
	s.saved[name] = value
	return nil
}

// Each recorded step is a line of the transcript; the step that ends the job finishes its page;
// a step the store refused is not told.
func TestRecordStepsTellsTheTranscript(t *testing.T) {
	ctx := context.Background()
	j, _ := open(t)
	j.Begin(ctx, 3, trigger.Request{Project: event.Project{ID: 5, Path: "acme/demo"}, Text: "@claude hi"})
	inner := &stepStore{saved: map[string]string{}}
	steps := j.RecordSteps(inner)

	if err := steps.SaveStep(ctx, 3, "award", "done"); err != nil || inner.saved["award"] != "done" {
		t.Fatalf("award: %v, stored %q", err, inner.saved["award"])
	}
	inner.fail = errors.New("disk full")
	if err := steps.SaveStep(ctx, 3, "note", "17"); err == nil {
		t.Fatal("the store's error was swallowed")
	}
	inner.fail = nil
	if err := steps.SaveStep(ctx, 3, store.OutcomeStep, "answered"); err != nil {
		t.Fatal(err)
	}
	j.Flush()
	evs, err := j.Events(ctx, 3, 0)
	if err != nil || len(evs) != 2 {
		t.Fatalf("transcript after two recorded steps: %d lines, %v: %+v", len(evs), err, evs)
	}
	rec, ok, err := j.Job(ctx, 3)
	if err != nil || !ok || rec.Outcome != "answered" {
		t.Fatalf("the page's outcome after the ending step: %+v %v %v", rec, ok, err)
	}
}
