package queue

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/store/storetest"
)

// recordingJobs plays the job's part of the lane: it records each acknowledgement (and fails
// those of failNote), lists cancelled for the sweep once, and records what it was told to say.
type recordingJobs struct {
	mu        sync.Mutex
	acked     []AckClaim
	said      []int64
	failNote  int64
	cancelled []int64
	events    chan struct{}
}

func (f *recordingJobs) Acknowledge(_ context.Context, c AckClaim) error {
	f.mu.Lock()
	f.acked = append(f.acked, c)
	f.mu.Unlock()
	f.events <- struct{}{}
	if c.Request.NoteID == f.failNote {
		return errors.New("GitLab said no")
	}
	return nil
}

func (f *recordingJobs) CancelledWhileQueued(context.Context) ([]int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := f.cancelled
	f.cancelled = nil
	return ids, nil
}

func (f *recordingJobs) SayCancelled(_ context.Context, id int64) error {
	f.mu.Lock()
	f.said = append(f.said, id)
	f.mu.Unlock()
	f.events <- struct{}{}
	return nil
}

func waitEvents(t *testing.T, f *recordingJobs, n int) {
	t.Helper()
	for range n {
		select {
		case <-f.events:
		case <-time.After(20 * time.Second):
			t.Fatalf("the lane did not get through its %d calls", n)
		}
	}
}

func ackValue(t *testing.T, q *Queue, jobID int64) string {
	t.Helper()
	var v string
	if err := q.db.QueryRowContext(context.Background(), q.db.Rebind(`SELECT value FROM claude_job_steps WHERE job_id = ? AND name = ?`), jobID, AckStepName).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// The lane acknowledges every queued request once, a thread's in order on one worker; a job
// over before the lane reached it is marked done without a call; a failure is marked failed
// (its worker acknowledges); a claim abandoned long ago is taken over, said to be retaken.
func TestAckLaneAcknowledgesThreadsInOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, tg storetest.Target) {
		q := openQueue(t, tg, nil, Options{AckLane: true})
		ctx := context.Background()
		ids := map[int64]int64{}                        // note → job
		for i, iid := range []int64{3, 3, 3, 3, 4, 4} { // notes 1 to 6, in two threads
			note := int64(i + 1)
			d := delivery(note)
			d.Request.Thread.IID = iid
			out, err := q.Enqueue(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			ids[note] = out.JobID
		}
		if _, err := q.Cancel(ctx, ids[1]); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := q.ClaimAck(ctx, ids[5]); !ok || err != nil {
			t.Fatalf("claim: %v %v", ok, err)
		}
		if _, err := q.db.ExecContext(ctx, q.db.Rebind(`UPDATE claude_job_steps SET updated_at = ? WHERE job_id = ? AND name = ?`),
			time.Now().Add(-AckStale-time.Second).Unix(), ids[5], AckStepName); err != nil {
			t.Fatal(err)
		}

		f := &recordingJobs{failNote: 3, events: make(chan struct{}, 16)}
		stop := (&AckLane{Queue: q, Jobs: f, Workers: 3}).Start(ctx)
		waitEvents(t, f, 5)
		stop()

		byThread := map[int64][]int64{}
		for _, c := range f.acked {
			byThread[c.Request.Thread.IID] = append(byThread[c.Request.Thread.IID], c.Request.NoteID)
			if c.Retaken != (c.Request.NoteID == 5) {
				t.Errorf("note %d: retaken %v", c.Request.NoteID, c.Retaken)
			}
		}
		if len(f.acked) != 5 || !slices.Equal(byThread[3], []int64{2, 3, 4}) || !slices.Equal(byThread[4], []int64{5, 6}) {
			t.Fatalf("acknowledged %+v, want notes 2-4 and 5-6 in order, once each (1 was cancelled)", byThread)
		}
		for note, id := range ids {
			want := AckDone
			if note == 3 {
				want = AckFailed
			}
			if v := ackValue(t, q, id); v != want {
				t.Errorf("note %d: ack %q, want %q", note, v, want)
			}
		}
	})
}

// The sweep has the note of each job cancelled while queued edited.
func TestAckLaneSweepsJobsCancelledWhileQueued(t *testing.T) {
	q := openQueue(t, storetest.SQLite(t), nil, Options{AckLane: true})
	f := &recordingJobs{cancelled: []int64{7, 8}, events: make(chan struct{}, 16)}
	stop := (&AckLane{Queue: q, Jobs: f, ScanEvery: 10 * time.Millisecond}).Start(context.Background())
	waitEvents(t, f, 2)
	stop()
	if !slices.Equal(f.said, []int64{7, 8}) || len(f.acked) != 0 {
		t.Errorf("said cancelled %v (acknowledged %v), want [7 8]", f.said, f.acked)
	}
}
