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

// NewGrant is an authorisation that passed at at, with the requester's role when it was read
// (nil: not read).
func NewGrant(at time.Time, level *int) Grant {
	g := Grant{At: at, Level: -1}
	if level != nil {
		g.Level = *level
	}
	return g
}

// Standing reads a recorded grant (String) and says whether it stands at now; level is the
// requester's role it recorded, nil when none was read or it does not stand.
func Standing(recorded string, now time.Time) (level *int, ok bool) {
	g, ok := ParseGrant(recorded)
	if !ok || !g.Stands(now) {
		return nil, false
	}
	if g.Level >= 0 {
		return &g.Level, true
	}
	return nil, true
}
