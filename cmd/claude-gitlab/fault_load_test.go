package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// 500 triggers over 50 threads in 5 projects, 4 workers, the instant fake CLI: every request is
// answered exactly once, each thread's in the order they came, and the bot never sends GitLab
// more than GITLAB_RATE_LIMIT allows (counted from the fake's own request log).
func TestFaultFiveHundredTriggersAnsweredOnceInOrderWithinTheRateLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("the load run takes about a minute")
	}
	t.Parallel()
	const (
		projects, threadsPer, perThread = 5, 10, 10
		rate                            = 9000 // per minute: 150/s
	)
	w := newWorld(t, "WORKERS=4", fmt.Sprintf("GITLAB_RATE_LIMIT=%d", rate), "WEBHOOK_RATE_LIMIT=0")
	type thread struct {
		project fakegitlab.Project
		iid     int64
	}
	var threads []thread
	for p := 0; p < projects; p++ {
		proj := w.proj
		if p > 0 {
			proj = w.g.AddProject(fmt.Sprintf("acme/load-%d", p), "main", sampleFiles)
			w.g.AddMember(proj.ID, w.bot.ID, fakegitlab.Developer)
			w.g.AddMember(proj.ID, w.alice.ID, fakegitlab.Developer)
			w.hookFor(proj)
		}
		for i := 0; i < threadsPer; i++ {
			is := w.g.CreateIssue(proj.ID, w.alice.ID, fmt.Sprintf("Thread %d-%d", p, i), "", false)
			threads = append(threads, thread{proj, is.IID})
		}
	}
	start := time.Now()
	for k := 0; k < perThread; k++ { // round-robin: threads interleave as they would
		for n, th := range threads {
			ev, body := w.g.IssueNoteEvent(th.project.ID, th.iid, w.alice.ID,
				fmt.Sprintf("@claude question %d\nFAKE_CLAUDE answer A:%d:%d", k, n, k))
			got := w.g.Deliver(t.Context(), th.project.ID, ev, body)
			if len(got) != 1 || got[0].ResponseStatus != "202" {
				t.Fatalf("delivery %d/%d: %+v", n, k, got)
			}
		}
	}
	queued := time.Since(start)
	answered := func(th thread) []fakegitlab.Note {
		var out []fakegitlab.Note
		for _, note := range w.g.Notes(th.project.ID, fakegitlab.ThreadIssue, ref(th.iid)) {
			if note.AuthorID == w.bot.ID {
				out = append(out, note)
			}
		}
		return out
	}
	w.waitFor("500 answers", 4*time.Minute, func() bool {
		for _, th := range threads {
			notes := answered(th)
			if len(notes) < perThread || !finished(notes[len(notes)-1]) {
				return false
			}
		}
		return true
	})
	took := time.Since(start)
	w.waitDrained() // a duplicate would come from a job still queued or running
	for n, th := range threads {
		notes := answered(th)
		if len(notes) != perThread {
			t.Fatalf("thread %d: %d bot notes, want %d", n, len(notes), perThread)
		}
		sort.Slice(notes, func(i, j int) bool { return notes[i].ID < notes[j].ID }) // posted = started
		for k, note := range notes {
			if !strings.HasPrefix(note.Body, fmt.Sprintf("A:%d:%d\n", n, k)) {
				t.Fatalf("thread %d: answer %d is %.40q, want the answer to question %d (order or duplicate)", n, k, note.Body, k)
			}
		}
	}
	perSec, perMin := peakRates(w.g.Requests(), w.bot.Username)
	burst := rate / 10                      // the limiter lets a tenth of the minute out at once
	limitSec := (rate-burst)/60 + burst + 1 // and refills the rest evenly
	t.Logf("FIGURE 500 triggers, 50 threads, 5 projects, 4 workers: queued in %.1fs, all answered once and in order in %.1fs; bot's GitLab API requests: peak %d in any 1 s (limit %d/s + burst %d), peak %d in any 60 s (limit %d)",
		queued.Seconds(), took.Seconds(), perSec, (rate-burst)/60, burst, perMin, rate)
	if perSec > limitSec || perMin > rate {
		t.Fatalf("GITLAB_RATE_LIMIT=%d exceeded: %d in 1 s, %d in 60 s", rate, perSec, perMin)
	}
}

// peakRates is the most API requests of user in any 1-second and any 60-second window.
func peakRates(recs []fakegitlab.RequestRecord, user string) (perSec, perMin int) {
	var times []time.Time
	for _, r := range recs {
		if r.User == user && strings.HasPrefix(r.Path, "/api/v4/") {
			times = append(times, r.Time)
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	window := func(d time.Duration) int {
		best, lo := 0, 0
		for hi := range times {
			for times[hi].Sub(times[lo]) >= d {
				lo++
			}
			best = max(best, hi-lo+1)
		}
		return best
	}
	return window(time.Second), window(time.Minute)
}

// hookFor registers the service's webhook on another project, as its owner would.
func (w *world) hookFor(p fakegitlab.Project) {
	w.t.Helper()
	owner := w.g.AddUser(fmt.Sprintf("owner-%d", p.ID), "Owner", false)
	w.g.AddMember(p.ID, owner.ID, fakegitlab.Owner)
	tok := w.g.AddToken(owner.ID, []string{"api"}, time.Now().Add(24*time.Hour), "personal")
	body, _ := json.Marshal(map[string]any{"url": w.svc.url + "/webhook", "token": testSecret, "note_events": true})
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/projects/%d/hooks", w.g.APIURL(), p.ID), bytes.NewReader(body))
	req.Header.Set("PRIVATE-TOKEN", tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		w.t.Fatalf("add hook: %v %v", resp, err)
	}
	resp.Body.Close()
}
