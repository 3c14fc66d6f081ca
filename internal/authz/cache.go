package authz

import (
	"sync"
	"time"
)

// cacheFor bounds how long what does not change often (bot flags, a project's groups) is kept.
const cacheFor = 10 * time.Minute

// Cache keeps what authorising read of GitLab that does not change often: whether a user is a
// bot, and a project's groups. The zero value is ready; one is shared by a service's jobs.
type Cache struct {
	bots      table[bool]
	ancestors table[[]int64]
}

// table is one kind of cached answer, by id.
type table[T any] struct {
	mu   sync.Mutex
	rows map[int64]cached[T]
}

type cached[T any] struct {
	v  T
	at time.Time
}

// get returns id's answer if read less than cacheFor ago, else reads it (without holding the
// lock: GitLab may be slow) and keeps it when read without error.
func (t *table[T]) get(id int64, read func() (T, error)) (T, error) {
	t.mu.Lock()
	c, ok := t.rows[id]
	t.mu.Unlock()
	if ok && time.Since(c.at) < cacheFor {
		return c.v, nil
	}
	v, err := read()
	if err != nil {
		return v, err
	}
	t.mu.Lock()
	if t.rows == nil {
		t.rows = map[int64]cached[T]{}
	}
	t.rows[id] = cached[T]{v, time.Now()}
	t.mu.Unlock()
	return v, nil
}
