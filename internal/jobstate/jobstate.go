// Package jobstate is the one vocabulary of job states: what `jobs list` and `jobs show` print,
// what the job page shows and filters on, and the outcome label of the jobs metric. It depends on
// nothing (like River's rivertype), so that the queue, the job runner, the pages and the
// commands can all share it.
package jobstate

import (
	"fmt"
	"strings"
)

// Status is where a job is. The first four are on the way, the others final.
type Status string

const (
	Queued    Status = "queued"    // waiting for a worker (or for the thread's previous job)
	Running   Status = "running"   // a worker runs it now
	Waiting   Status = "waiting"   // failed for a passing reason (GitLab away); tries again by itself
	Answered  Status = "answered"  // done: the thread has its answer (a wiki page edited, help asked…)
	Refused   Status = "refused"   // the request was not allowed: the requester's role, a budget, a rule
	Skipped   Status = "skipped"   // nothing to do: the bot's own note, auto-review off, the branch moved on
	Failed    Status = "failed"    // ended with a failure reply saying what went wrong
	Cancelled Status = "cancelled" // an operator cancelled it (`jobs cancel`)
)

// All lists every status, in the order of a job's life.
var All = []Status{Queued, Running, Waiting, Answered, Refused, Skipped, Failed, Cancelled}

func (s Status) String() string { return string(s) }

// Valid says whether s is one of All.
func (s Status) Valid() bool {
	for _, a := range All {
		if s == a {
			return true
		}
	}
	return false
}

// Final says whether nothing more happens to a job in this status (unless an operator retries it).
func (s Status) Final() bool {
	switch s {
	case Answered, Refused, Skipped, Failed, Cancelled:
		return true
	}
	return false
}

// Parse reads a status as a person types it (`jobs list --state failed`).
func Parse(s string) (Status, error) {
	st := Status(strings.ToLower(strings.TrimSpace(s)))
	if !st.Valid() {
		return "", fmt.Errorf("%q is not a job state: want one of %s", s, Names())
	}
	return st, nil
}

// Names is every status, comma-separated, for help texts and errors.
func Names() string {
	names := make([]string, len(All))
	for i, s := range All {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// Outcome is how a job ended: a final status and, in words, why.
type Outcome struct {
	Status Status
	Detail string
}

// String is the stored form: "status" or "status: detail".
func (o Outcome) String() string {
	if o.Detail == "" {
		return string(o.Status)
	}
	return string(o.Status) + ": " + o.Detail
}

// Valid says whether the outcome has a final status.
func (o Outcome) Valid() bool { return o.Status.Final() }

// ParseOutcome reads the stored form of an Outcome. Records written before there was a type
// (and never since) are read by their exact old words; anything else unknown is kept whole as
// the detail of a skipped job, as the job page always showed it.
func ParseOutcome(stored string) Outcome {
	if stored == "" {
		return Outcome{}
	}
	head, detail, _ := strings.Cut(stored, ": ")
	if o := (Outcome{Status(head), detail}); o.Valid() {
		return o
	}
	for _, l := range legacy {
		if rest, ok := strings.CutPrefix(stored, l.words); ok {
			return Outcome{l.status, strings.TrimPrefix(l.detail+rest, ": ")}
		}
	}
	return Outcome{Skipped, stored}
}

// legacy are the words of outcomes stored before Outcome existed that do not start with a status.
var legacy = []struct {
	words  string
	status Status
	detail string
}{
	{"edited wiki page ", Answered, "edited wiki page "},
	{"wiki page unchanged", Answered, "wiki page unchanged"},
	{"asked for help", Answered, "asked for help"},
}

// Of is a job's status from what the queue says of it (River's state) and the outcome it
// recorded, if any. While the queue holds it (queued, running, waiting; also after an operator
// retried a finished job) River's state says where it is; once the queue is done with it, the
// recorded outcome says how it ended.
func Of(queueState string, outcome Outcome) Status {
	switch queueState {
	case "completed", "cancelled", "discarded":
		if outcome.Valid() {
			return outcome.Status
		}
	}
	switch queueState {
	case "running":
		return Running
	case "retryable":
		return Waiting
	case "available", "scheduled", "pending":
		return Queued
	case "cancelled":
		return Cancelled
	case "discarded":
		return Failed
	case "completed":
		return Answered // completed without a recorded outcome: nothing was left to say
	}
	return Queued
}
