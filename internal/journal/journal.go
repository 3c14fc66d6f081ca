// Package journal keeps what a job's page shows: its request, its transcript as the agent streams
// it (text, tool calls, results, steps), the diff it pushed, the cost of its runs and how it ended.
// Lines are numbered per job, written to the database in batches by one goroutine, and then
// handed to the page's live subscribers, so a subscriber that reads the stored lines after
// subscribing misses none.
package journal

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// Kinds of transcript lines, as internal/job writes them.
const (
	KindStep   = "step"   // a step of the job: acknowledged, settings, Claude started, pushed, …
	KindText   = "text"   // what Claude wrote
	KindTool   = "tool"   // a tool call: "Read main.go"
	KindResult = "result" // a tool's result, shortened
	KindDenied = "denied" // a tool call the permissions refused
	KindRetry  = "retry"  // the CLI retries the Anthropic API
	KindModel  = "model"  // one model request through the service's proxy: model, tokens, cost, time
	KindDiff   = "diff"   // the change that was committed
	KindError  = "error"  // how the job failed
	KindEnd    = "end"    // not stored: tells live subscribers the job is over
)

// Bounds of one job's transcript.
const (
	MaxLines     = 2000      // lines of text, tools and results; steps, errors and the diff always go in
	MaxLineBytes = 4 << 10   // one line
	MaxDiffBytes = 256 << 10 // the diff
)

// Event is one transcript line.
type Event = store.Event

// Journal records jobs; it is safe for concurrent use. Close it after the workers stopped.
type Journal struct {
	db  *store.DB
	log *slog.Logger

	mu  sync.Mutex
	seq map[int64]int64 // the last seq given out, per job

	subMu sync.Mutex
	subs  map[int64]map[*Sub]struct{}

	closeMu sync.RWMutex // held for reading while sending to queue
	closed  bool
	queue   chan store.Event
	done    chan struct{}

	flushMu sync.Mutex
	flushed *sync.Cond // signalled when the writer has handled more lines
	sent    uint64     // lines queued, counted before each is sent
	handled uint64     // lines the writer stored and handed to subscribers
}

// New starts the journal's writer.
func New(db *store.DB, log *slog.Logger) *Journal {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	j := &Journal{db: db, log: log, seq: map[int64]int64{}, subs: map[int64]map[*Sub]struct{}{},
		queue: make(chan store.Event, 4096), done: make(chan struct{})}
	j.flushed = sync.NewCond(&j.flushMu)
	go j.write()
	return j
}

// Close writes what is queued and stops the writer.
func (j *Journal) Close() {
	j.closeMu.Lock()
	if j.closed {
		j.closeMu.Unlock()
		return
	}
	j.closed = true
	close(j.queue)
	j.closeMu.Unlock()
	<-j.done
}

// Flush returns once every line recorded before it is stored and handed to live subscribers.
func (j *Journal) Flush() {
	j.flushMu.Lock()
	defer j.flushMu.Unlock()
	// Every line counted in sent so far is in the queue or on its way, and a line recorded before
	// the call is ahead in the queue of every line counted after: once the writer handled as many
	// lines as were counted, it handled them all. Close drains the queue, so this ends after it too.
	for target := j.sent; j.handled < target; {
		j.flushed.Wait()
	}
}

// Begin records a job's request the first time the job runs.
func (j *Journal) Begin(ctx context.Context, jobID int64, req trigger.Request) {
	raw, _ := json.Marshal(req)
	if err := j.db.BeginJob(context.WithoutCancel(ctx), jobID, req.Project.ID, req.Project.Path, string(raw)); err != nil {
		j.log.Warn("journal: could not record the job", "job", jobID, "error", err)
	}
}

// AddRun adds the cost, turns and time of one agent run.
func (j *Journal) AddRun(ctx context.Context, jobID int64, costUSD float64, turns int, took time.Duration) {
	if err := j.db.AddRunCost(context.WithoutCancel(ctx), jobID, costUSD, turns, took); err != nil {
		j.log.Warn("journal: could not record the cost of a run", "job", jobID, "error", err)
	}
}

// Finish records how the job ended and tells live subscribers, after the lines before it.
func (j *Journal) Finish(ctx context.Context, jobID int64, outcome string) {
	if err := j.db.FinishJob(context.WithoutCancel(ctx), jobID, outcome); err != nil {
		j.log.Warn("journal: could not record the end of the job", "job", jobID, "error", err)
	}
	j.mu.Lock()
	delete(j.seq, jobID)
	j.mu.Unlock()
	j.enqueue(store.Event{JobID: jobID, At: time.Now(), Kind: KindEnd, Text: outcome})
}

// SpentSince is what a project's runs cost since t.
func (j *Journal) SpentSince(ctx context.Context, projectID int64, t time.Time) (float64, error) {
	return j.db.SpentSince(ctx, projectID, t)
}

// Record adds a line to a job's transcript. It never fails the job: a line that cannot be
// stored is logged. Past MaxLines, lines of text, tools and results are dropped (one line says so).
func (j *Journal) Record(ctx context.Context, jobID int64, kind, text string) {
	limit := MaxLineBytes
	if kind == KindDiff {
		limit = MaxDiffBytes
	}
	text = cut(text, limit)
	j.mu.Lock()
	seq, ok := j.seq[jobID]
	if !ok {
		// A job resumed in a new process goes on after its stored lines.
		last, err := j.db.LastEvent(context.WithoutCancel(ctx), jobID)
		if err != nil {
			j.log.Warn("journal: could not read the transcript", "job", jobID, "error", err)
		}
		seq = last
	}
	if seq >= MaxLines && !always(kind) {
		if seq == MaxLines {
			kind, text = KindStep, "The transcript is cut here: later lines of text and tool calls are not kept."
		} else {
			j.mu.Unlock()
			return
		}
	}
	seq++
	j.seq[jobID] = seq
	j.mu.Unlock()
	j.enqueue(store.Event{JobID: jobID, Seq: seq, At: time.Now(), Kind: kind, Text: text})
}

func always(kind string) bool { return kind == KindStep || kind == KindError || kind == KindDiff }

func (j *Journal) enqueue(e store.Event) {
	j.closeMu.RLock()
	defer j.closeMu.RUnlock()
	if j.closed {
		return
	}
	j.flushMu.Lock()
	j.sent++
	j.flushMu.Unlock()
	j.queue <- e // the writer takes them as fast as the database allows: a full queue slows the run
}

// write stores queued lines in batches, then hands them to subscribers.
func (j *Journal) write() {
	defer close(j.done)
	for e := range j.queue {
		batch := []store.Event{e}
	more:
		for len(batch) < 256 {
			select {
			case e, ok := <-j.queue:
				if !ok {
					break more
				}
				batch = append(batch, e)
			default:
				break more
			}
		}
		lines := make([]store.Event, 0, len(batch))
		for _, e := range batch {
			if e.Kind != KindEnd {
				lines = append(lines, e)
			}
		}
		if len(lines) > 0 {
			if err := j.db.AppendEvents(context.Background(), lines); err != nil {
				j.log.Warn("journal: could not store transcript lines", "lines", len(lines), "error", err)
			}
		}
		j.publish(batch)
		j.flushMu.Lock()
		j.handled += uint64(len(batch))
		j.flushed.Broadcast()
		j.flushMu.Unlock()
	}
}

func cut(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	s = s[:limit]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + " [… cut]"
}

// Events returns stored lines of a job after seq.
func (j *Journal) Events(ctx context.Context, jobID, after int64) ([]Event, error) {
	return j.db.Events(ctx, jobID, after, MaxLines+100)
}

// Job returns a job's record.
func (j *Journal) Job(ctx context.Context, jobID int64) (store.JobRecord, bool, error) {
	return j.db.Job(ctx, jobID)
}

// Recent lists job records, newest first.
func (j *Journal) Recent(ctx context.Context, f store.JobFilter) ([]store.JobRecord, error) {
	return j.db.RecentJobs(ctx, f)
}
