package queue

import (
	"context"
	"fmt"
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

// collect takes first and whatever else is already waiting, without waiting for more: a lone
// delivery is written at once, a burst is written together.
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
			var jobID int64
			found, err := tx.get(ctx, `SELECT job_id FROM claude_dedupe WHERE key = ?`, []any{key}, &jobID)
			if err != nil {
				return nil, nil, fmt.Errorf("dedupe: %w", err)
			}
			if found {
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
	for n, i := range fresh {
		outs[i] = Outcome{JobID: res[n].Job.ID}
		for _, key := range batch[i].d.Keys {
			if err := tx.exec(ctx, `INSERT INTO claude_dedupe (key, job_id, created_at) VALUES (?, ?, ?)`, key, outs[i].JobID, now); err != nil {
				return fmt.Errorf("dedupe: %w", err)
			}
		}
		r := batch[i].d.Request
		if ack && r.AcknowledgedAtOnce() {
			if err := insertAck(ctx, tx, outs[i].JobID, now); err != nil {
				return fmt.Errorf("store acknowledgement: %w", err)
			}
		}
		if err := tx.exec(ctx, `INSERT INTO claude_job_thread (job_id, thread_key, project_id) VALUES (?, ?, ?)`,
			outs[i].JobID, r.ThreadKey(), r.Project.ID); err != nil {
			return fmt.Errorf("store job thread: %w", err)
		}
	}
	for i := range outs {
		if outs[i].Duplicate && outs[i].JobID < 0 {
			outs[i].JobID = outs[-1-outs[i].JobID].JobID
		}
	}
	return nil
}
