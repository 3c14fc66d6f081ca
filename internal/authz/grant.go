package authz

import (
	"fmt"
	"time"
)

// GrantFresh is how long the acknowledgement lane's authorisation stands for the job's worker: a
// request that waited longer is checked again when it runs (rights may have changed meanwhile).
const GrantFresh = 5 * time.Minute

// Grant is an authorisation recorded for the job's worker: when it passed, and the requester's
// role then (-1: not read, as for someone in ALLOWED_USERS).
type Grant struct {
	At    time.Time
	Level int
}

// String is the grant as the job records it: "<Unix seconds> <level>".
func (g Grant) String() string { return fmt.Sprintf("%d %d", g.At.Unix(), g.Level) }

// ParseGrant reads a recorded grant; ok is false for anything else.
func ParseGrant(v string) (g Grant, ok bool) {
	var at int64
	if _, err := fmt.Sscanf(v, "%d %d", &at, &g.Level); err != nil {
		return Grant{}, false
	}
	g.At = time.Unix(at, 0)
	return g, true
}

// Stands: the grant is recent enough at now to spare the worker a GitLab call.
func (g Grant) Stands(now time.Time) bool { return now.Sub(g.At) < GrantFresh }
