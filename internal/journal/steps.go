package journal

import (
	"context"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
)

// RecordSteps wraps a job step store so that every recorded step of a job is also a line of its
// transcript, with the time it happened (the job page's timings per step), and the step that
// ends a job (store.OutcomeStep) finishes its page.
func (j *Journal) RecordSteps(s jobstate.StepStore) jobstate.StepStore {
	return &journalSteps{StepStore: s, j: j}
}

type journalSteps struct {
	jobstate.StepStore
	j *Journal
}

func (s *journalSteps) SaveStep(ctx context.Context, jobID int64, name, value string) error {
	if err := s.StepStore.SaveStep(ctx, jobID, name, value); err != nil {
		return err
	}
	if kind, text := StepLine(name, value); text != "" {
		s.j.Record(ctx, jobID, kind, text)
	}
	if name == store.OutcomeStep {
		s.j.Finish(ctx, jobID, value)
	}
	return nil
}
