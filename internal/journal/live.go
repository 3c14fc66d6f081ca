package journal

import "gitlab.com/claude-gitlab/claude-gitlab/internal/store"

// subBuffer is how far a live subscriber may fall behind before it is dropped (it then reads
// the stored lines again, e.g. an EventSource reconnecting with Last-Event-ID).
const subBuffer = 512

// Sub receives a job's lines as they are stored. C is closed when the subscriber is dropped for
// falling behind or when Close is called.
type Sub struct {
	C     <-chan Event
	c     chan Event
	j     *Journal
	jobID int64
	gone  bool
}

// Subscribe follows a job's new lines. Subscribe first, then read the stored lines: every line is
// then seen at least once (compare Seq to skip the ones seen twice).
func (j *Journal) Subscribe(jobID int64) *Sub {
	c := make(chan Event, subBuffer)
	s := &Sub{C: c, c: c, j: j, jobID: jobID}
	j.subMu.Lock()
	defer j.subMu.Unlock()
	if j.subs[jobID] == nil {
		j.subs[jobID] = map[*Sub]struct{}{}
	}
	j.subs[jobID][s] = struct{}{}
	return s
}

// Close stops the subscription.
func (s *Sub) Close() {
	s.j.subMu.Lock()
	defer s.j.subMu.Unlock()
	s.drop()
}

// drop removes s; the caller holds subMu.
func (s *Sub) drop() {
	if s.gone {
		return
	}
	s.gone = true
	close(s.c)
	delete(s.j.subs[s.jobID], s)
	if len(s.j.subs[s.jobID]) == 0 {
		delete(s.j.subs, s.jobID)
	}
}

func (j *Journal) publish(events []store.Event) {
	j.subMu.Lock()
	defer j.subMu.Unlock()
	for _, e := range events {
		for s := range j.subs[e.JobID] {
			select {
			case s.c <- e:
			default:
				s.drop() // too slow: never block the writer
			}
		}
	}
}
