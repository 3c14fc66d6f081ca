package job

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
)

// AckQueue is what the acknowledgement lane needs of the queue (queue.Queue in production).
type AckQueue interface {
	AckIDs() <-chan int64
	PendingAcks(ctx context.Context, staleAfter time.Duration, limit int) ([]int64, error)
	ClaimAck(ctx context.Context, jobID int64) (queue.AckClaim, bool, error)
	FinishAck(ctx context.Context, jobID int64, value string) error
	Ahead(ctx context.Context, jobID, projectID int64) (project, all int, err error)
	CancelledWhileQueued(ctx context.Context, queuedStep, answeredStep string) ([]int64, error)
	Get(ctx context.Context, id int64) (queue.Info, error)
}

// ackTimeout bounds one acknowledgement, well inside queue.AckStale: after that the job's worker
// stops waiting for the lane and acknowledges itself, and the two must never overlap.
const ackTimeout = 45 * time.Second

// AckLane acknowledges requests as soon as they are stored, whatever the agent workers do: it
// checks the requester's rights, gives the 👀 and posts the progress note saying the request is
// queued and how many are ahead of it. Every side effect is a recorded step of the job, so the
// worker that later runs it edits that note instead of posting another. It also edits the note
// of a job cancelled before a worker started it. Its GitLab calls share the service's client,
// and so GITLAB_RATE_LIMIT.
type AckLane struct {
	Runner *Runner
	Queue  AckQueue
	// Workers acknowledge at once (default 4). A thread's requests go to the same one, in order.
	Workers int
	// ScanEvery is how often the lane looks for acknowledgements it was not told about (the
	// notification is dropped when the lane is far behind; another replica died) and for jobs
	// cancelled while queued; default 5 s.
	ScanEvery time.Duration
	// StartupStale: at start, claims older than this are taken over. 0 with SQLite (one process
	// owns the database: any claim is a previous run's); queue.AckStale with replicas.
	StartupStale time.Duration
	Log          *slog.Logger
}

// Run acknowledges until ctx ends and returns when all its goroutines have stopped.
func (l *AckLane) Run(ctx context.Context) {
	lanes := make([]chan queue.AckClaim, max(l.Workers, 1))
	var wg sync.WaitGroup
	for i := range lanes {
		lanes[i] = make(chan queue.AckClaim, 64)
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
func (l *AckLane) dispatch(ctx context.Context, lanes []chan queue.AckClaim) {
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
			l.scan(ctx, lanes, queue.AckStale)
		}
	}
}

func (l *AckLane) scan(ctx context.Context, lanes []chan queue.AckClaim, stale time.Duration) {
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

func (l *AckLane) claim(ctx context.Context, id int64, lanes []chan queue.AckClaim) {
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

// ack acknowledges one job; a failure leaves it to the job's worker, which acknowledges when it
// starts (and looks for a note first).
func (l *AckLane) ack(ctx context.Context, c queue.AckClaim) {
	if ctx.Err() != nil {
		return // shutting down: the claim is taken over at the next start
	}
	actx, cancel := context.WithTimeout(ctx, ackTimeout)
	defer cancel()
	value := queue.AckDone
	if err := l.Runner.acknowledgeQueued(actx, c, l.Queue); err != nil {
		if ctx.Err() != nil {
			return
		}
		l.log().Warn("ack lane: could not acknowledge; the worker will when it starts", "job", c.JobID, "error", l.Runner.redact(err.Error()))
		value = queue.AckFailed
	}
	if err := l.Queue.FinishAck(context.WithoutCancel(ctx), c.JobID, value); err != nil {
		l.log().Warn("ack lane: could not record the acknowledgement", "job", c.JobID, "error", err)
	}
}

// over are River's states of a job that will not run again.
var over = map[string]bool{"completed": true, "cancelled": true, "discarded": true}

// acknowledgeQueued is the lane's part of a job: authorisation, 👀, the "queued" note.
func (r *Runner) acknowledgeQueued(ctx context.Context, c queue.AckClaim, q AckQueue) error {
	// "running" is fine: a worker that fetched the job waits in the queue's gate until the lane
	// is through (queue.AckStale bounds that wait).
	if over[c.State] {
		return nil
	}
	j, err := r.load(ctx, queue.Job{ID: c.JobID, Attempt: 1, MaxAttempts: 1, Request: c.Request})
	if err != nil {
		return err
	}
	j.log = j.log.With("lane", "ack")
	j.lookup = c.Retaken // a lane that died may have posted before recording it
	if j.steps.has(stepAnswered) || j.steps.has(stepNote) {
		return nil
	}
	if j.bot, err = r.botUser(ctx); err != nil {
		return err
	}
	if j.fromBot() {
		return nil
	}
	// Authorisation, before anything is posted: someone not allowed gets authorise's one polite
	// refusal (and the job ends there), never a 👀 or a progress note.
	if ok, err := r.authorise(ctx, j); err != nil || !ok {
		return err
	}
	level := -1 // the requester's role, when authorise read it (rights.go uses it)
	if j.level != nil {
		level = *j.level
	}
	if err := j.steps.save(ctx, stepAuthed, fmt.Sprintf("%d %d", time.Now().Unix(), level)); err != nil {
		return err
	}
	if ok, err := r.withinBudget(ctx, j); err != nil || !ok {
		return err
	}
	if err := r.award(ctx, j); err != nil {
		return err
	}
	project, all, err := q.Ahead(ctx, j.id, j.req.Project.ID)
	if err != nil {
		return err
	}
	// Recorded first: if the post is lost, the worker knows to look for it (and to edit it).
	if err := j.steps.save(ctx, stepQueued, "1"); err != nil {
		return err
	}
	body := publish.Queued(j.id, r.jobURL(j), project, all)
	if all == 0 {
		// Nothing ahead: a worker takes it at its next fetch (≤ 0.2 s), so the note says it is
		// working already and the worker has nothing to edit.
		if err := j.steps.save(ctx, stepStarted, "1"); err != nil {
			return err
		}
		body = publish.Progress(j.id, r.jobURL(j), []publish.Step{{Text: "Read the request"}})
	}
	return r.progressNote(ctx, j, body)
}

// laneAuthFresh is how long the lane's authorisation stands for the job's worker: a request that
// waited longer is checked again when it runs (rights may have changed meanwhile).
const laneAuthFresh = 5 * time.Minute

// authoriseUnlessLaneDid is the worker's authorisation: the lane's, if recent, saves a GitLab call
// per job; otherwise authorise again.
func (r *Runner) authoriseUnlessLaneDid(ctx context.Context, j *job) (bool, error) {
	var at int64
	level := -1
	if v, ok := j.steps.values[stepAuthed]; ok {
		if _, err := fmt.Sscanf(v, "%d %d", &at, &level); err == nil && time.Since(time.Unix(at, 0)) < laneAuthFresh {
			if level >= 0 {
				j.level = &level
			}
			return true, nil
		}
	}
	return r.authorise(ctx, j)
}

// sweep edits the note of jobs cancelled while they waited: it still says queued.
func (l *AckLane) sweep(ctx context.Context) {
	t := time.NewTicker(l.every())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ids, err := l.Queue.CancelledWhileQueued(ctx, stepQueued, stepAnswered)
		if err != nil && ctx.Err() == nil {
			l.log().Warn("ack lane: could not list jobs cancelled while queued", "error", err)
		}
		for _, id := range ids {
			if err := l.Runner.sayCancelledWhileQueued(ctx, l.Queue, id); err != nil && ctx.Err() == nil {
				l.log().Warn("ack lane: could not say a job was cancelled", "job", id, "error", l.Runner.redact(err.Error()))
			}
		}
	}
}

func (r *Runner) sayCancelledWhileQueued(ctx context.Context, q AckQueue, id int64) error {
	info, err := q.Get(ctx, id)
	if err != nil {
		return err
	}
	j, err := r.load(ctx, queue.Job{ID: id, Attempt: 1, MaxAttempts: 1, Request: info.Request})
	if err != nil || j.noteID == 0 || j.steps.has(stepAnswered) {
		return err
	}
	body := publish.Failure(j.id, r.jobURL(j), "This request was cancelled before it was answered.", "Comment `@claude` again to ask anew.")
	if err := r.GitLab.UpdateNote(ctx, j.thread, j.noteID, r.redact(body)); err != nil {
		return err
	}
	return r.end(ctx, j, jobstate.Cancelled, "while queued")
}
