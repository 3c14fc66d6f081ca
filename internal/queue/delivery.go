package queue

import "gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"

// Delivery is one trigger to store: the request and the keys that identify it. If any key was
// stored before, the delivery is a duplicate and nothing is stored.
type Delivery struct {
	Request trigger.Request
	// Keys are dedupe keys, e.g. "delivery:<Idempotency-Key>" and "note:<project>:<note id>".
	Keys []string
}

// Outcome is what happened to a delivery.
type Outcome struct {
	JobID     int64
	Duplicate bool // an earlier delivery with one of the keys exists; JobID is that delivery's job
}
