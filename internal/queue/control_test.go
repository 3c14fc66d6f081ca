package queue

import (
	"slices"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

func TestStoppable(t *testing.T) {
	const stop, alice, bob = 10, 1, 2
	job := func(id, author int64, task trigger.Task) Info {
		return Info{ID: id, Request: trigger.Request{Author: event.User{ID: author}, Task: task}}
	}
	for _, tc := range []struct {
		name               string
		active             []Info
		wantOwn, wantOther []int64
	}{
		{"nothing else in the thread", []Info{job(stop, alice, trigger.TaskStop)}, nil, nil},
		{"own and others'", []Info{job(3, alice, trigger.TaskAnswer), job(4, bob, trigger.TaskAnswer), job(stop, alice, trigger.TaskStop)},
			[]int64{3}, []int64{4}},
		{"another stop is never stopped", []Info{job(5, alice, trigger.TaskStop), job(6, bob, trigger.TaskStop)}, nil, nil},
		{"the requester's only", []Info{job(3, alice, trigger.TaskAnswer), job(7, alice, trigger.TaskAnswer)}, []int64{3, 7}, nil},
		{"others' only, in order", []Info{job(8, bob, trigger.TaskAnswer), job(9, 3, trigger.TaskAnswer)}, nil, []int64{8, 9}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			own, others := Stoppable(tc.active, stop, alice)
			if ids := infoIDs(own); !slices.Equal(ids, tc.wantOwn) {
				t.Errorf("own = %v, want %v", ids, tc.wantOwn)
			}
			if ids := infoIDs(others); !slices.Equal(ids, tc.wantOther) {
				t.Errorf("others = %v, want %v", ids, tc.wantOther)
			}
		})
	}
}

func infoIDs(in []Info) []int64 {
	var ids []int64
	for _, i := range in {
		ids = append(ids, i.ID)
	}
	return ids
}
