package publish

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate/jobstatetest"
)

// A request's note through its life, as GitLab shows it: the 👀 once, "queued" from the
// acknowledgement lane, taken over by the worker, "waiting for GitLab" and back, then the failure
// reply; always one note of the job's in the thread, also when a later attempt lost its id.
func TestProgressNoteLifecycle(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	steps := jobstatetest.Steps{}
	j := w.job(7, 1, steps, nil)
	asked := w.g.AddNote(w.proj.ID, fakegitlab.ThreadIssue, "1", w.alice.ID, "@claude fix this")
	j.Request.NoteID = asked.ID
	n := ProgressNote{Publisher: w.publisher(), Awards: w.gl, Job: j, Steps: steps, JobURL: "https://claude.example/jobs/7"}
	theNote := func() fakegitlab.Note {
		t.Helper()
		var ours []fakegitlab.Note
		for _, note := range w.g.Notes(w.proj.ID, fakegitlab.ThreadIssue, "1") {
			if note.ID != asked.ID {
				ours = append(ours, note)
			}
		}
		if len(ours) != 1 {
			t.Fatalf("want one note of the job, got %d: %+v", len(ours), ours)
		}
		return ours[0]
	}
	for range 2 {
		if err := n.Award(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if a := w.g.Awards(w.proj.ID, fakegitlab.ThreadIssue, "1"); len(a) != 1 || a[0].Name != "eyes" || a[0].NoteID != asked.ID {
		t.Fatalf("awards = %+v, want one 👀 on the request", a)
	}
	var err error
	if n.ID, err = n.Queue(ctx, 1, 3); err != nil {
		t.Fatal(err)
	}
	if got := theNote(); got.ID != n.ID || !strings.Contains(got.Body, "Queued") || steps[StepNote] != strconv.FormatInt(n.ID, 10) {
		t.Fatalf("queued note %d = %q, steps %v", n.ID, got.Body, steps)
	}
	if _, err = n.Start(ctx); err != nil || !strings.Contains(theNote().Body, "Read the request") || steps[StepStarted] != "1" {
		t.Fatalf("started: %v, %q, steps %v", err, theNote().Body, steps)
	}
	next := time.Date(2026, 1, 2, 10, 5, 0, 0, time.UTC)
	n.Wait(ctx, "GitLab answered 502", next)
	if !strings.Contains(theNote().Body, "502") || steps[StepWaiting] != "2026-01-02T10:05:00Z" {
		t.Fatalf("waiting: %q, steps %v", theNote().Body, steps)
	}
	if _, err = n.Show(ctx, Started(7, n.JobURL)); err != nil || strings.Contains(theNote().Body, "502") || steps[StepWaiting] != "" {
		t.Fatalf("back to progress: %v, %q, steps %v", err, theNote().Body, steps)
	}
	lost := n
	lost.ID, lost.Job.Attempt = 0, 2 // a later attempt that lost the note's id finds it
	if err := lost.Fail(ctx, "GitLab refused the push.", "Ask a Maintainer."); err != nil {
		t.Fatal(err)
	}
	if got := theNote(); got.ID != n.ID || !strings.Contains(got.Body, "GitLab refused the push.") {
		t.Fatalf("failure reply: note %d %q", got.ID, got.Body)
	}
}

// An award GitLab refuses is a courtesy lost, recorded as done; GitLab away is an error to retry.
func TestProgressNoteAwardRefused(t *testing.T) {
	for _, tc := range []struct {
		name    string
		err     error
		wantErr bool
	}{
		{"locked thread", errors.New("403 Forbidden: the thread is locked"), false},
		{"network", errors.New("dial tcp: connection refused"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			steps := jobstatetest.Steps{}
			n := ProgressNote{Publisher: w.publisher(), Awards: failingAwards{tc.err}, Job: w.job(1, 1, steps, nil), Steps: steps}
			err := n.Award(context.Background())
			if (err != nil) != tc.wantErr {
				t.Fatalf("Award = %v, want an error: %v", err, tc.wantErr)
			}
			if _, done := steps[StepAward]; done == tc.wantErr {
				t.Fatalf("steps = %v", steps)
			}
		})
	}
}

type failingAwards struct{ err error }

func (f failingAwards) Award(context.Context, gitlab.ThreadRef, int64, string) error { return f.err }

func TestBegun(t *testing.T) {
	for _, tc := range []struct {
		name  string
		steps jobstatetest.Steps
		want  bool
	}{
		{"nothing posted", jobstatetest.Steps{}, false},
		{"a worker posted the note", jobstatetest.Steps{StepNote: "5"}, true},
		{"the lane's queued note", jobstatetest.Steps{StepQueued: "1", StepNote: "5"}, false},
		{"a worker took it over", jobstatetest.Steps{StepQueued: "1", StepNote: "5", StepStarted: "1"}, true},
		{"the lane said started, its post lost", jobstatetest.Steps{StepQueued: "1", StepStarted: "1"}, false},
	} {
		if got := Begun(tc.steps); got != tc.want {
			t.Errorf("%s: Begun(%v) = %v, want %v", tc.name, tc.steps, got, tc.want)
		}
	}
}
