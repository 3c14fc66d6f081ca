package queue

import (
	"context"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/tick"
)

// Acknowledger is the per-job part of the acknowledgement lane (job.AckJobs in production): the
// lane claims and orders, the job checks rights and posts.
type Acknowledger interface {
	// Acknowledge checks the requester's rights, gives the 👀 and posts the note saying the
	// request is queued; an error leaves it to the job's worker.
	Acknowledge(ctx context.Context, c AckClaim) error
	// CancelledWhileQueued lists the jobs cancelled while queued whose note still says so.
	CancelledWhileQueued(ctx context.Context) ([]int64, error)
	// SayCancelled edits the note of such a job.
	SayCancelled(ctx context.Context, jobID int64) error
}

// ackTimeout bounds one acknowledgement, well inside AckStale: after that the job's worker stops
// waiting for the lane and acknowledges itself, and the two must never overlap.
const ackTimeout = 45 * time.Second

// AckLane acknowledges requests as soon as they are stored, whatever the agent workers do (see
// ack.go): it claims each acknowledgement and hands it to Jobs on the worker of its thread, so a
// thread's requests are acknowledged in order. It also has Jobs edit the note of a job cancelled
// before a worker started it.
type AckLane struct {
	Queue *Queue
	Jobs  Acknowledger
	// Workers acknowledge at once (default 4). A thread's requests go to the same one, in order.
	Workers int
	// ScanEvery is how often the lane looks for acknowledgements it was not told about (the
	// notification is dropped when the lane is far behind; another replica died) and for jobs
	// cancelled while queued; default 5 s.
	ScanEvery time.Duration
	// StartupStale: at start, claims older than this are taken over. 0 with SQLite (one process
	// owns the database: any claim is a previous run's); AckStale with replicas.
	StartupStale time.Duration
	Log          *slog.Logger
}

// Start runs the lane until ctx ends or the returned stop is called; stop waits for it.
func (l *AckLane) Start(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.Run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

// Run acknowledges until ctx ends and returns when all its goroutines have stopped.
func (l *AckLane) Run(ctx context.Context) {
	lanes := make([]chan AckClaim, max(l.Workers, 1))
	var wg sync.WaitGroup
	for i := range lanes {
		lanes[i] = make(chan AckClaim, 64)
		wg.Go(func() {
			for c := range lanes[i] {
				l.ack(ctx, c)
			}
		})
	}
	wg.Go(func() { l.sweep(ctx) })
	l.dispatch(ctx, lanes)
	for _, c := range lanes {
		close(c)
	}
	wg.Wait()
}

func (l *AckLane) log() *slog.Logger {
	if l.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l.Log
}

func (l *AckLane) every() time.Duration {
	if l.ScanEvery > 0 {
		return l.ScanEvery
	}
	return 5 * time.Second
}

// dispatch claims each acknowledgement and hands it to the worker of its thread.
func (l *AckLane) dispatch(ctx context.Context, lanes []chan AckClaim) {
	l.scan(ctx, lanes, l.StartupStale)
	t := time.NewTicker(l.every())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-l.Queue.AckIDs():
			l.claim(ctx, id, lanes)
		case <-t.C:
			l.scan(ctx, lanes, AckStale)
		}
	}
}

func (l *AckLane) scan(ctx context.Context, lanes []chan AckClaim, stale time.Duration) {
	ids, err := l.Queue.PendingAcks(ctx, stale, 1000)
	if err != nil {
		if ctx.Err() == nil {
			l.log().Warn("ack lane: could not list pending acknowledgements", "error", err)
		}
		return
	}
	for _, id := range ids {
		l.claim(ctx, id, lanes)
	}
}

func (l *AckLane) claim(ctx context.Context, id int64, lanes []chan AckClaim) {
	c, ok, err := l.Queue.ClaimAck(ctx, id)
	if err != nil {
		if ctx.Err() == nil {
			l.log().Warn("ack lane: could not claim", "job", id, "error", err)
		}
		return
	}
	if !ok {
		return // done already, or another lane has it
	}
	h := fnv.New32a()
	h.Write([]byte(c.Request.ThreadKey()))
	select {
	case lanes[int(h.Sum32()%uint32(len(lanes)))] <- c:
	case <-ctx.Done():
	}
}

// over are River's states of a job that will not run again: nothing to acknowledge. ("running"
// is fine: a worker that fetched the job waits in the gate until the lane is through.)
var over = map[string]bool{"completed": true, "cancelled": true, "discarded": true}

// ack acknowledges one job; a failure leaves it to the job's worker, which acknowledges when it
// starts (and looks for a note first).
func (l *AckLane) ack(ctx context.Context, c AckClaim) {
	if ctx.Err() != nil {
		return // shutting down: the claim is taken over at the next start
	}
	actx, cancel := context.WithTimeout(ctx, ackTimeout)
	defer cancel()
	value := AckDone
	if err := l.acknowledge(actx, c); err != nil {
		if ctx.Err() != nil {
			return
		}
		l.log().Warn("ack lane: could not acknowledge; the worker will when it starts", "job", c.JobID, "error", err)
		value = AckFailed
	}
	if err := l.Queue.FinishAck(context.WithoutCancel(ctx), c.JobID, value); err != nil {
		l.log().Warn("ack lane: could not record the acknowledgement", "job", c.JobID, "error", err)
	}
}

func (l *AckLane) acknowledge(ctx context.Context, c AckClaim) error {
	if over[c.State] {
		return nil
	}
	return l.Jobs.Acknowledge(ctx, c)
}

// sweep has the note of jobs cancelled while they waited edited: it still says queued.
func (l *AckLane) sweep(ctx context.Context) {
	tick.Run(ctx, l.every(), func() {
		ids, err := l.Jobs.CancelledWhileQueued(ctx)
		if err != nil && ctx.Err() == nil {
			l.log().Warn("ack lane: could not list jobs cancelled while queued", "error", err)
		}
		for _, id := range ids {
			if err := l.Jobs.SayCancelled(ctx, id); err != nil && ctx.Err() == nil {
				l.log().Warn("ack lane: could not say a job was cancelled", "job", id, "error", err)
			}
		}
	})
}
