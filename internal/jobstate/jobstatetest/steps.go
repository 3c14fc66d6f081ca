// Package jobstatetest holds a job's steps in a map, for tests of the packages that record steps
// (publish, review): a string as it is, anything else as JSON, as jobstate.Record does.
package jobstatetest

import (
	"context"
	"encoding/json"
)

// Steps are a job's recorded steps in memory; it satisfies jobstate.Steps and Forget.
type Steps map[string]string

// Value is the step's recorded text.
func (s Steps) Value(name string) (string, bool) { v, ok := s[name]; return v, ok }

// Get decodes the step's JSON into v.
func (s Steps) Get(name string, v any) bool {
	raw, ok := s[name]
	return ok && json.Unmarshal([]byte(raw), v) == nil
}

// Save records the step: a string as it is, anything else as JSON.
func (s Steps) Save(_ context.Context, name string, v any) error {
	if str, ok := v.(string); ok {
		s[name] = str
		return nil
	}
	b, err := json.Marshal(v)
	s[name] = string(b)
	return err
}

// Forget removes the step.
func (s Steps) Forget(_ context.Context, name string) error { delete(s, name); return nil }
