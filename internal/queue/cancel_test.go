package queue

import (
	"context"
	"errors"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store/storetest"
)

// untilCancelled runs until its job's context ends and reports why.
type untilCancelled struct {
	started chan int64
	ended   chan error
}

func (b *untilCancelled) Handle(ctx context.Context, j Job) error {
	b.started <- j.ID
	<-ctx.Done()
	cause := context.Cause(ctx)
	b.ended <- cause
	return Cancel(cause)
}

// `jobs cancel` from another process (an insert-only queue, as the command is) stops a running
// job: its context ends with River's remote cancellation, which the job says in its thread.
func TestCancelStopsARunningJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, tg storetest.Target) {
		b := &untilCancelled{started: make(chan int64, 1), ended: make(chan error, 1)}
		q := openQueue(t, tg, b, Options{Workers: 1, JobTimeout: time.Minute, MaxAttempts: 3})
		ctx := context.Background()
		out, err := q.Enqueue(ctx, delivery(21, "note:7:21"))
		if err != nil {
			t.Fatal(err)
		}
		<-b.started
		// Another process, as `jobs cancel` is: an insert-only queue on the same database.
		db, err := store.Open(ctx, tg.URL, tg.DataDir)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		cli, err := Open(ctx, db, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if in, err := cli.Cancel(ctx, out.JobID); err != nil || in.Status != jobstate.Running {
			t.Fatalf("cancel: %+v %v", in, err)
		}
		select {
		case cause := <-b.ended:
			if !errors.Is(cause, ErrCancelledRemotely) {
				t.Fatalf("the job ended because %v, want a remote cancellation", cause)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("the running job was not stopped")
		}
	})
}
