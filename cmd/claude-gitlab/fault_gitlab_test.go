package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// The same delivery 5 times (GitLab's "Resend", same Idempotency-Key), and 100 concurrent copies
// of one note (distinct delivery ids): one job, one answer.
func TestFaultDuplicateDeliveriesMakeOneJob(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	iid := w.issueNote("Resent", "@claude what is this?")
	hook := w.g.Hooks(w.proj.ID)[0]
	first := hook.Events[len(hook.Events)-1]
	for i := 0; i < 4; i++ {
		e, err := w.g.Redeliver(t.Context(), w.proj.ID, hook.ID, first.ID)
		if err != nil || e.ResponseStatus != "200" || !strings.Contains(e.ResponseBody, "duplicate") {
			t.Fatalf("resend %d: %+v %v", i+1, e, err)
		}
	}
	w.exactlyOneAnswer(iid)

	issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Copies", "", false)
	ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID, "@claude and this?")
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		statuses = map[int]int{}
		jobs     = map[float64]bool{}
	)
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, w.svc.url+"/webhook", bytes.NewReader(body))
			req.Header.Set("X-Gitlab-Event", ev)
			req.Header.Set("X-Gitlab-Token", testSecret)
			req.Header.Set("Idempotency-Key", fmt.Sprintf("copy-%d", i))
			req.Header.Set("X-Gitlab-Event-UUID", fmt.Sprintf("event-%d", i))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			var out map[string]any
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			json.Unmarshal(raw, &out)
			mu.Lock()
			statuses[resp.StatusCode]++
			if id, ok := out["job"].(float64); ok {
				jobs[id] = true
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if statuses[http.StatusAccepted] != 1 || statuses[http.StatusOK] != 99 || len(jobs) > 1 {
		t.Fatalf("answers by status %v, job ids %v; want one 202 and 99 duplicates of one job", statuses, jobs)
	}
	w.exactlyOneAnswer(issue.IID)
	t.Logf("FIGURE duplicates: 5 deliveries → 1 job; 100 concurrent copies → 1×202 + 99×200 duplicate, 1 answer")
}

// endpoint is one GitLab API route a change job calls, as a pattern over escaped paths.
type endpoint struct{ method, pattern string }

var (
	numSeg  = regexp.MustCompile(`/\d+(/|$)`)
	hexSeg  = regexp.MustCompile(`/[0-9a-f]{40}(/|$)`)
	apiPath = regexp.MustCompile(`^/api/v4/`)
)

// endpointsOf turns the requests of one job into the distinct routes it used.
func endpointsOf(recs []fakegitlab.RequestRecord) []endpoint {
	seen := map[endpoint]bool{}
	var out []endpoint
	for _, r := range recs {
		if !apiPath.MatchString(r.Path) {
			continue // git's smart HTTP
		}
		p := hexSeg.ReplaceAllString(r.Path, "/[0-9a-f]{40}$1")
		for numSeg.MatchString(p) {
			p = numSeg.ReplaceAllString(p, `/\d+$1`)
		}
		e := endpoint{r.Method, "^" + p + "$"}
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].method+out[i].pattern < out[j].method+out[j].pattern })
	return out
}

// Each fault on each GitLab endpoint a change job uses, in turn: one answer, one branch, one MR
// each time. One world per kind of fault, run side by side.
func TestFaultGitLabErrorsOnEachEndpoint(t *testing.T) {
	t.Parallel()
	kinds := []struct {
		name  string
		fault fakegitlab.Fault
	}{
		{"429 with Retry-After", fakegitlab.Fault{Status: 429, RetryAfter: 1}},
		{"500", fakegitlab.Fault{Status: 500}},
		{"502", fakegitlab.Fault{Status: 502}},
		{"hang past the client timeout", fakegitlab.Fault{Hang: 3 * time.Second}},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, "GITLAB_USE_MR=true", "GITLAB_AUTO_MERGE=true", "GITLAB_TIMEOUT=2s")
			before := len(w.g.Requests())
			base := w.issueNote("Baseline", changeRequest("base.txt", ""))
			w.exactlyOneAnswer(base)
			w.oneChange(base)
			eps := endpointsOf(w.g.Requests()[before:])
			if len(eps) < 8 {
				t.Fatalf("a change job used only %d endpoints: %+v", len(eps), eps)
			}
			var hit []string
			for i, ep := range eps {
				f := k.fault
				f.Method, f.PathPattern = ep.method, ep.pattern
				calls := countCalls(w.g, f)
				w.g.InjectFault(f)
				start := time.Now()
				iid := w.issueNote(fmt.Sprintf("Change %d", i), changeRequest(fmt.Sprintf("f%d.txt", i), ""))
				w.exactlyOneAnswer(iid)
				w.oneChange(iid)
				if awards := w.g.Awards(w.proj.ID, fakegitlab.ThreadIssue, ref(iid)); len(awards) != 1 {
					t.Fatalf("%s %s: awards %+v", ep.method, ep.pattern, awards)
				}
				if countCalls(w.g, f) == calls {
					t.Logf("%s %s: not called by a later job (learnt once per process)", ep.method, ep.pattern)
				} else {
					hit = append(hit, fmt.Sprintf("%s %s (%.1fs)", ep.method, strings.Trim(ep.pattern, "^$"), time.Since(start).Seconds()))
				}
				w.g.ClearFaults()
			}
			t.Logf("FIGURE GitLab %s on each of %d endpoints, one answer each:\n  %s", k.name, len(hit), strings.Join(hit, "\n  "))
		})
	}
}

// countCalls counts the requests the fake answered that match f's method and path.
func countCalls(g *fakegitlab.GitLab, f fakegitlab.Fault) int {
	re := regexp.MustCompile(f.PathPattern)
	n := 0
	for _, r := range g.Requests() {
		if r.Method == f.Method && re.MatchString(r.Path) {
			n++
		}
	}
	return n
}

// A slow GitLab stores the job's first note (a reply in the request's discussion) after the post timed out (2 s), after the client
// looked for it (at 4 s) and posted again: at 5 s the thread holds two equal notes. The job's
// later edits go to the note it holds and delete the copy: one answer in the end.
func TestFaultLostAnswerStoredLate(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "GITLAB_TIMEOUT=2s")
	w.g.InjectFault(fakegitlab.Fault{Method: "POST", PathPattern: `/issues/\d+/discussions/\w+/notes$`, Hang: 5 * time.Second, Detached: true})
	iid := w.issueNote("Slow GitLab", "@claude take your time\nFAKE_CLAUDE sleep 6")
	w.waitFor("the late copy to land", 30*time.Second, func() bool {
		return w.g.CountRequests("POST", `/issues/\d+/discussions/\w+/notes$`) == 2 && w.g.InFlight() == 0
	})
	w.exactlyOneAnswer(iid)
	if n := w.g.CountRequests("DELETE", `/notes/\d+$`); n != 1 {
		t.Fatalf("%d notes deleted, want the one late copy", n)
	}
}
