package queue

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
)

// maxBatch bounds one transaction of the intake.
const maxBatch = 256

type pending struct {
	d    Delivery
	done chan result
}

type result struct {
	out Outcome
	err error
}

// Enqueue stores a delivery durably (or finds it a duplicate) and returns when it is committed.
// Deliveries that arrive together share one transaction and one fsync: that is what lets one
// SQLite writer keep up with thousands of deliveries a second.
func (q *Queue) Enqueue(ctx context.Context, d Delivery) (Outcome, error) {
	p := &pending{d: d, done: make(chan result, 1)}
	select {
	case q.intake <- p:
	case <-q.stop:
		return Outcome{}, fmt.Errorf("queue is stopping")
	case <-ctx.Done():
		return Outcome{}, ctx.Err()
	}
	// Once handed over, the delivery is stored whatever the caller does: wait for the answer.
	r := <-p.done
	return r.out, r.err
}

// The intake writes each batch as soon as it has one, and takes for the next whatever arrived
// while it wrote: deliveries that come together share a transaction because they wait behind
// the one being committed, not because the intake waits for them. (A wait of 1 ms for company
// after a busy batch saved a quarter of the CPU per delivery in-process, but over HTTP it left
// the cores idle while every sender sat in the batch being gathered: 2,858 queued/s p99 19.5 ms
// against 3,847/s p99 8.2 ms without it, and 1,518/s against 1,816/s with the cores half taken
// by other work; docs/benchmarks.md.)

func (q *Queue) runIntake() {
	defer q.wg.Done()
	for {
		select {
		case p := <-q.intake:
			q.storeBatch(q.collect(p))
		case <-q.stop:
			q.drainIntake()
			return
		}
	}
}

// collect takes first and whatever else is already waiting, up to maxBatch.
func (q *Queue) collect(first *pending) []*pending {
	batch := []*pending{first}
	for len(batch) < maxBatch {
		select {
		case p := <-q.intake:
			batch = append(batch, p)
		default:
			return batch
		}
	}
	return batch
}

func (q *Queue) drainIntake() {
	for {
		select {
		case p := <-q.intake:
			q.storeBatch(q.collect(p))
		default:
			return
		}
	}
}

func (q *Queue) storeBatch(batch []*pending) {
	outs, err := q.insertBatch(context.Background(), batch)
	q.notifyAcks(batch, outs, err)
	for i, p := range batch {
		if err != nil {
			p.done <- result{err: err}
			continue
		}
		p.done <- result{out: outs[i]}
	}
}

// conflictRetries bounds how often a batch is stored again after losing a race with another
// replica (PostgreSQL): each retry sees the winner's rows, so one is nearly always enough.
const conflictRetries = 5

// insertBatch stores a batch in one transaction. With several replicas, a copy of a delivery may
// be stored by another replica between our dedupe lookup and our insert: our insert of its key
// then fails (unique violation), the transaction is rolled back, and the batch is stored again,
// finding the copy a duplicate of the winner's job.
func (q *Queue) insertBatch(ctx context.Context, batch []*pending) ([]Outcome, error) {
	for try := 1; ; try++ {
		var outs []Outcome
		err := q.backend.inTx(ctx, func(tx intakeTx) error {
			var fresh []int
			var err error
			if outs, fresh, err = findDuplicates(ctx, tx, batch); err != nil {
				return err
			}
			return insertJobs(ctx, tx, batch, outs, fresh, q.ackLane)
		})
		if err == nil {
			return outs, nil
		}
		if try < conflictRetries && store.IsConflict(err) {
			continue
		}
		return nil, fmt.Errorf("store delivery: %w", err)
	}
}

// findDuplicates marks deliveries whose keys were stored before, or appear earlier in the batch.
// It returns the indexes of the new ones.
func findDuplicates(ctx context.Context, tx intakeTx, batch []*pending) ([]Outcome, []int, error) {
	stored, err := storedKeys(ctx, tx, batch)
	if err != nil {
		return nil, nil, fmt.Errorf("dedupe: %w", err)
	}
	outs := make([]Outcome, len(batch))
	inBatch := map[string]int{} // key → index of the delivery that claims it
	var fresh []int
next:
	for i, p := range batch {
		for _, key := range p.d.Keys {
			if j, ok := inBatch[key]; ok {
				outs[i] = Outcome{Duplicate: true, JobID: -1 - int64(j)} // resolved after insert
				continue next
			}
			if jobID, ok := stored[key]; ok {
				outs[i] = Outcome{Duplicate: true, JobID: jobID}
				continue next
			}
		}
		for _, key := range p.d.Keys {
			inBatch[key] = i
		}
		fresh = append(fresh, i)
	}
	return outs, fresh, nil
}

// storedKeys looks up every key of the batch at once: key → the job it made.
func storedKeys(ctx context.Context, tx intakeTx, batch []*pending) (map[string]int64, error) {
	var keys []any
	seen := map[string]bool{}
	for _, p := range batch {
		for _, key := range p.d.Keys {
			if !seen[key] {
				seen[key] = true
				keys = append(keys, key)
			}
		}
	}
	stored := map[string]int64{}
	for len(keys) > 0 {
		chunk := keys[:min(len(keys), maxRowsPerStatement)]
		keys = keys[len(chunk):]
		err := tx.query(ctx, `SELECT key, job_id FROM claude_dedupe WHERE key IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`, chunk,
			func(scan func(...any) error) error {
				var key string
				var jobID int64
				if err := scan(&key, &jobID); err != nil {
					return err
				}
				stored[key] = jobID
				return nil
			})
		if err != nil {
			return nil, err
		}
	}
	return stored, nil
}

// insertJobs stores the new deliveries of a batch: River's jobs in one insert, then their dedupe
// keys, acknowledgement steps and threads, each kind of row in one statement for the batch.
func insertJobs(ctx context.Context, tx intakeTx, batch []*pending, outs []Outcome, fresh []int, ack bool) error {
	if len(fresh) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(fresh))
	for n, i := range fresh {
		params[n] = river.InsertManyParams{Args: Args{Request: batch[i].d.Request}, InsertOpts: insertOpts(batch[i].d.Request)}
	}
	res, err := tx.insertJobs(ctx, params)
	if err != nil {
		return fmt.Errorf("store job: %w", err)
	}
	now := time.Now().Unix()
	var dedupe, acks, threads [][]any
	for n, i := range fresh {
		id, r := res[n].Job.ID, batch[i].d.Request
		outs[i] = Outcome{JobID: id}
		for _, key := range batch[i].d.Keys {
			dedupe = append(dedupe, []any{key, id, now})
		}
		if ack && r.AcknowledgedAtOnce() {
			acks = append(acks, ackRow(id, now))
		}
		threads = append(threads, []any{id, r.ThreadKey(), r.Project.ID})
	}
	if err := insertRows(ctx, tx, `claude_dedupe (key, job_id, created_at)`, dedupe); err != nil {
		return fmt.Errorf("dedupe: %w", err)
	}
	if err := insertRows(ctx, tx, ackColumns, acks); err != nil {
		return fmt.Errorf("store acknowledgement: %w", err)
	}
	if err := insertRows(ctx, tx, `claude_job_thread (job_id, thread_key, project_id)`, threads); err != nil {
		return fmt.Errorf("store job thread: %w", err)
	}
	for i := range outs {
		if outs[i].Duplicate && outs[i].JobID < 0 {
			outs[i].JobID = outs[-1-outs[i].JobID].JobID
		}
	}
	return nil
}

// maxRowsPerStatement keeps a statement's parameters well under SQLite's limit (32,766) and
// PostgreSQL's (65,535) whatever the batch holds.
const maxRowsPerStatement = 500

// insertRows inserts rows (all of one width) into table, given as "name (columns)", with one
// multi-row INSERT per maxRowsPerStatement rows.
func insertRows(ctx context.Context, tx intakeTx, table string, rows [][]any) error {
	for len(rows) > 0 {
		chunk := rows[:min(len(rows), maxRowsPerStatement)]
		rows = rows[len(chunk):]
		one := "(?" + strings.Repeat(", ?", len(chunk[0])-1) + ")"
		args := make([]any, 0, len(chunk)*len(chunk[0]))
		for _, r := range chunk {
			args = append(args, r...)
		}
		if err := tx.exec(ctx, `INSERT INTO `+table+` VALUES `+one+strings.Repeat(", "+one, len(chunk)-1), args...); err != nil {
			return err
		}
	}
	return nil
}
