package jobstate

import (
	"context"
	"encoding/json"
)

// Steps is a job's record of what it did: a recorded step is never done again. Save records a
// string as it is and anything else as JSON; Get reads JSON back. Record is the job's own;
// publish and review take this interface.
type Steps interface {
	Value(name string) (string, bool)
	Get(name string, v any) bool
	Save(ctx context.Context, name string, v any) error
}

// StepWriter keeps the steps of jobs (the queue's database).
type StepWriter interface {
	SaveStep(ctx context.Context, jobID int64, name, value string) error
	DeleteStep(ctx context.Context, jobID int64, name string) error
}

// StepStore keeps and reads back the steps of jobs (the queue's database).
type StepStore interface {
	StepWriter
	Steps(ctx context.Context, jobID int64) (map[string]string, error)
}

// Record is one job's steps: those recorded when it was loaded and those it records since.
type Record struct {
	store  StepWriter
	jobID  int64
	values map[string]string
}

// NewRecord holds the steps recorded so far for jobID; new ones are written to store (nil: a
// record only read).
func NewRecord(store StepWriter, jobID int64, recorded map[string]string) *Record {
	if recorded == nil {
		recorded = map[string]string{}
	}
	return &Record{store: store, jobID: jobID, values: recorded}
}

// Has reports whether the step is recorded.
func (r *Record) Has(name string) bool { _, ok := r.values[name]; return ok }

// Value is the step's recorded text.
func (r *Record) Value(name string) (string, bool) { v, ok := r.values[name]; return v, ok }

// Get decodes the step's JSON into v; false when it is not recorded or not v's shape.
func (r *Record) Get(name string, v any) bool {
	raw, ok := r.values[name]
	return ok && json.Unmarshal([]byte(raw), v) == nil
}

// Save records the step: a string as it is, anything else as JSON. The write outlives a
// cancelled job: a side effect that happened has to be written down.
func (r *Record) Save(ctx context.Context, name string, v any) error {
	raw, ok := v.(string)
	if !ok {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		raw = string(b)
	}
	if err := r.store.SaveStep(context.WithoutCancel(ctx), r.jobID, name, raw); err != nil {
		return err
	}
	r.values[name] = raw
	return nil
}

// Forget removes the step, so that it is done again.
func (r *Record) Forget(ctx context.Context, name string) error {
	if err := r.store.DeleteStep(context.WithoutCancel(ctx), r.jobID, name); err != nil {
		return err
	}
	delete(r.values, name)
	return nil
}
