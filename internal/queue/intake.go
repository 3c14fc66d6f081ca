package queue

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/riverqueue/river"
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
	for i, p := range batch {
		if err != nil {
			p.done <- result{err: err}
			continue
		}
		p.done <- result{out: outs[i]}
	}
}

func (q *Queue) insertBatch(ctx context.Context, batch []*pending) ([]Outcome, error) {
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store delivery: %w", err)
	}
	defer tx.Rollback()
	outs, fresh, err := q.findDuplicates(ctx, tx, batch)
	if err != nil {
		return nil, err
	}
	if err := q.insertJobs(ctx, tx, batch, outs, fresh); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store delivery: commit: %w", err)
	}
	return outs, nil
}

// findDuplicates marks deliveries whose keys were stored before, or appear earlier in the batch.
// It returns the indexes of the new ones.
func (q *Queue) findDuplicates(ctx context.Context, tx *sql.Tx, batch []*pending) ([]Outcome, []int, error) {
	outs := make([]Outcome, len(batch))
	inBatch := map[string]int{} // key → index of the delivery that claims it
	var fresh []int
	stmt, err := tx.PrepareContext(ctx, q.db.Rebind(`SELECT job_id FROM claude_dedupe WHERE key = ?`))
	if err != nil {
		return nil, nil, fmt.Errorf("dedupe: %w", err)
	}
	defer stmt.Close()
next:
	for i, p := range batch {
		for _, key := range p.d.Keys {
			if j, ok := inBatch[key]; ok {
				outs[i] = Outcome{Duplicate: true, JobID: -1 - int64(j)} // resolved after insert
				continue next
			}
			var jobID int64
			switch err := stmt.QueryRowContext(ctx, key).Scan(&jobID); err {
			case nil:
				outs[i] = Outcome{Duplicate: true, JobID: jobID}
				continue next
			case sql.ErrNoRows:
			default:
				return nil, nil, fmt.Errorf("dedupe: %w", err)
			}
		}
		for _, key := range p.d.Keys {
			inBatch[key] = i
		}
		fresh = append(fresh, i)
	}
	return outs, fresh, nil
}

func (q *Queue) insertJobs(ctx context.Context, tx *sql.Tx, batch []*pending, outs []Outcome, fresh []int) error {
	if len(fresh) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(fresh))
	for n, i := range fresh {
		params[n] = river.InsertManyParams{Args: Args{Request: batch[i].d.Request}}
	}
	res, err := q.river.InsertManyTx(ctx, tx, params)
	if err != nil {
		return fmt.Errorf("store job: %w", err)
	}
	stmt, err := tx.PrepareContext(ctx, q.db.Rebind(`INSERT INTO claude_dedupe (key, job_id, created_at) VALUES (?, ?, ?)`))
	if err != nil {
		return fmt.Errorf("dedupe: %w", err)
	}
	defer stmt.Close()
	threads, err := tx.PrepareContext(ctx, q.db.Rebind(`INSERT INTO claude_job_thread (job_id, thread_key, project_id) VALUES (?, ?, ?)`))
	if err != nil {
		return fmt.Errorf("store job thread: %w", err)
	}
	defer threads.Close()
	now := time.Now().Unix()
	for n, i := range fresh {
		outs[i] = Outcome{JobID: res[n].Job.ID}
		for _, key := range batch[i].d.Keys {
			if _, err := stmt.ExecContext(ctx, key, outs[i].JobID, now); err != nil {
				return fmt.Errorf("dedupe: %w", err)
			}
		}
		r := batch[i].d.Request
		if _, err := threads.ExecContext(ctx, outs[i].JobID, r.ThreadKey(), r.Project.ID); err != nil {
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
