// Package queue is the durable job queue: River on the service's database. A trigger is stored
// here, with its dedupe keys, before the webhook answers 202.
package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// Args are a job's arguments as River stores them: the request, flattened.
type Args struct {
	trigger.Request
}

// Kind names our job kind in River.
func (Args) Kind() string { return "claude_request" }

// Job is one run of a stored request, as a Handler sees it.
type Job struct {
	ID          int64
	Attempt     int
	MaxAttempts int
	Request     trigger.Request
	// RetryAt is when the queue runs the job again if this run ends in an error; LastTry says
	// there will be no other run (its attempts are used up or JOB_GIVE_UP has passed).
	RetryAt time.Time
	LastTry bool
}

// Handler executes jobs. A nil error completes the job; an error is retried by River's policy
// until MaxAttempts.
type Handler interface {
	Handle(ctx context.Context, job Job) error
}

// Options configure a Queue.
type Options struct {
	// Handler runs jobs; nil makes an insert-only queue (no worker runs, e.g. for `jobs` commands).
	Handler     Handler
	Workers     int           // jobs at once
	PerProject  int           // most jobs of one project at once (0 = no cap)
	JobTimeout  time.Duration // longest run of one job (the agent's timeout plus publishing)
	MaxAttempts int
	// RetryDelays are the waits after the 1st, 2nd, … transient failure (jittered ±25%, the
	// last repeats); nil means retryDelays. Tests shorten them.
	RetryDelays []time.Duration
	// GiveUp is how long after its first failure a failing job is tried again (JOB_GIVE_UP);
	// MaxAttempts is raised to what fits in it. Zero: MaxAttempts alone decides.
	GiveUp time.Duration
	// ReplicaID names this replica across restarts (host and DATA_DIR), so that after a crash it
	// takes its own jobs back at once (PostgreSQL); empty: a random one.
	ReplicaID string
	// Heartbeat and StaleAfter time the take-over of a dead replica's jobs (PostgreSQL, see
	// heartbeat.go); zero means DefaultHeartbeat and DefaultStaleAfter.
	Heartbeat, StaleAfter time.Duration
	Log                   *slog.Logger
	// AckLane: the service runs an acknowledgement lane (acklane.go): requests a person waits on
	// are stored with its step, and their worker waits for it (ack.go).
	AckLane bool
}

// Queue is River on our database plus the intake batcher.
type Queue struct {
	db      *store.DB
	backend backend
	beats   *heartbeats // PostgreSQL only
	log     *slog.Logger
	workers bool
	intake  chan *pending
	acks    chan int64 // jobs just queued, for the acknowledgement lane (ack.go)
	ackLane bool
	wg      sync.WaitGroup
	stop    chan struct{}
	once    sync.Once
	cancel  context.CancelFunc // stops the take-over loop
}

// Open migrates River's tables and makes the client. Call Start to run workers and intake.
func Open(ctx context.Context, db *store.DB, opts Options) (*Queue, error) {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	q := &Queue{db: db, workers: opts.Handler != nil, log: log, ackLane: opts.AckLane, intake: make(chan *pending, 4096), acks: make(chan int64, 4096), stop: make(chan struct{})}
	replica := opts.ReplicaID
	if replica == "" {
		replica = randomHex(6)
	}
	clientID := replica + "/" + randomHex(4)
	if db.Dialect == store.Postgres {
		q.beats = &heartbeats{db: db, clientID: clientID, replica: replica, log: log,
			every: cmp(opts.Heartbeat, DefaultHeartbeat), stale: cmp(opts.StaleAfter, DefaultStaleAfter)}
	}
	cfg := riverConfig(opts, log, q.gate, q.beats)
	cfg.ID = clientID
	var err error
	if q.backend, err = openBackend(ctx, db, cfg, log); err != nil {
		return nil, err
	}
	return q, nil
}

func (q *Queue) river() riverClient { return q.backend.client() }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func cmp(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func riverConfig(opts Options, log *slog.Logger, gate func(context.Context, int64, int) error, beats *heartbeats) *river.Config {
	delays := cmpOr(opts.RetryDelays, retryDelays)
	cfg := &river.Config{
		Logger:      quiet(log),
		MaxAttempts: max(opts.MaxAttempts, 1, attemptsWithin(delays, opts.GiveUp)),
		JobTimeout:  max(opts.JobTimeout, time.Minute),
		// A job whose worker died is taken up again soon after its timeout, not after River's
		// default hour: people are waiting in the thread. With several replicas the heartbeat
		// takes it over much sooner (heartbeat.go); this stays as the backstop.
		RescueStuckJobsAfter: max(opts.JobTimeout, time.Minute) + time.Minute,
		// SQLite has no LISTEN/NOTIFY: River finds new jobs by polling, and a person waits for
		// the 👀, so poll often (a cheap indexed query). On PostgreSQL inserts notify, but jobs
		// the thread gate snoozed or a take-over freed are found by polling too.
		FetchPollInterval: 200 * time.Millisecond,
		RetryPolicy:       retryPolicy{delays: delays},
	}
	if opts.Handler != nil {
		workers := river.NewWorkers()
		river.AddWorker(workers, &worker{handler: opts.Handler, gate: gate, perProject: opts.PerProject, beats: beats,
			delays: delays, giveUp: opts.GiveUp})
		cfg.Workers = workers
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: max(opts.Workers, 1)},
			QueueControl: {MaxWorkers: 2}}
	}
	return cfg
}

// quiet keeps River's own chatter at warn and above.
func quiet(log *slog.Logger) *slog.Logger {
	return slog.New(levelFloor{log.Handler(), slog.LevelWarn})
}

func cmpOr[T any](a, b []T) []T {
	if len(a) > 0 {
		return a
	}
	return b
}

// Start runs the intake batcher and, if there is a Handler, River's workers; jobs the previous
// process left running resume first (SQLite: recoverOrphans; PostgreSQL: the take-over, which
// also runs every Heartbeat for the jobs of other replicas that died).
func (q *Queue) Start(ctx context.Context) error {
	if q.workers {
		var n int64
		var err error
		if q.beats != nil {
			n, err = q.beats.takeOver(ctx)
		} else {
			n, err = q.recoverOrphans(ctx)
		}
		if err != nil {
			return err
		}
		if n > 0 {
			q.log.Info("queue: resuming jobs the previous run left unfinished", "jobs", n)
		}
	}
	q.wg.Add(1)
	go q.runIntake()
	if !q.workers {
		return nil
	}
	if q.beats != nil {
		bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		q.cancel = cancel
		q.wg.Go(func() { q.beats.run(bctx) })
	}
	return q.river().Start(ctx)
}

// StopWorkers stops taking jobs and waits for running ones until ctx ends, then cancels them (a
// cancelled job is retried at the next start). The intake keeps storing deliveries.
func (q *Queue) StopWorkers(ctx context.Context) error {
	if !q.workers {
		return nil
	}
	if err := q.river().Stop(ctx); err != nil {
		return q.river().StopAndCancel(context.Background())
	}
	return nil
}

// Close stops the intake after the deliveries already submitted are stored. Call it after the
// HTTP server has stopped.
func (q *Queue) Close() {
	q.once.Do(func() {
		close(q.stop)
		if q.cancel != nil {
			q.cancel()
		}
	})
	q.wg.Wait()
}

// Stop is StopWorkers then Close.
func (q *Queue) Stop(ctx context.Context) error {
	err := q.StopWorkers(ctx)
	q.Close()
	return err
}

type worker struct {
	river.WorkerDefaults[Args]
	handler    Handler
	gate       func(ctx context.Context, jobID int64, perProject int) error
	perProject int
	beats      *heartbeats
	delays     []time.Duration
	giveUp     time.Duration
}

func (w *worker) Work(ctx context.Context, job *river.Job[Args]) error {
	if job.Queue == QueueControl {
		return w.handler.Handle(ctx, Job{ID: job.ID, Attempt: job.Attempt, MaxAttempts: job.MaxAttempts, Request: job.Args.Request})
	}
	if err := w.gate(ctx, job.ID, w.perProject); err != nil {
		return err
	}
	if w.beats != nil {
		bctx, stop, err := w.beats.begin(ctx, job.ID)
		if err != nil {
			return err
		}
		defer stop()
		ctx = bctx
	}
	retryAt, last := nextTry(job.JobRow, w.delays, w.giveUp, time.Now())
	err := w.handler.Handle(ctx, Job{ID: job.ID, Attempt: job.Attempt, MaxAttempts: job.MaxAttempts, Request: job.Args.Request,
		RetryAt: retryAt, LastTry: last})
	if cause := context.Cause(ctx); errors.Is(cause, errTakenOver) {
		return cause // an error, not a completion: the job's new runner decides how it ends
	}
	if err != nil && last && !decided(err) {
		// The handler could not even say it failed (GitLab still away): past JOB_GIVE_UP the
		// job ends here rather than running until River's MaxAttempts.
		return Cancel(err)
	}
	return err
}
