package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store/storetest"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/waitfor"
)

// Several replicas of the real binary on one PostgreSQL database (issue 5): each replica has its
// own DATA_DIR (repository cache) and address; the take-over timings are shortened.
const (
	replicaBeat  = "JOB_HEARTBEAT=250ms"
	replicaStale = "JOB_STALE_AFTER=2s"
)

// replicas is a world whose service runs as n replicas sharing one database.
type replicas struct {
	*world
	svcs []*service
	dirs []string
}

func newReplicas(t *testing.T, n int, env ...string) *replicas {
	t.Helper()
	tg := storetest.Postgres(t)
	base := append([]string{"DATABASE_URL=" + tg.URL, replicaBeat, replicaStale}, env...)
	w := newWorld(t, base...)
	r := &replicas{world: w, svcs: []*service{w.svc}, dirs: []string{w.dataDir()}}
	for range n - 1 {
		dir := t.TempDir()
		r.svcs = append(r.svcs, startService(t, append(append([]string(nil), w.env...), "DATA_DIR="+dir)...))
		r.dirs = append(r.dirs, dir)
	}
	return r
}

// postNote delivers note text on issue iid to replica i, as GitLab would (its own delivery id).
func (r *replicas) postNote(i int, event string, body []byte, uuid string) int {
	code, _ := r.svcs[i].post(event, body, "X-Gitlab-Token", testSecret, "X-Gitlab-Webhook-UUID", uuid)
	return code
}

func (r *replicas) logs() string {
	var b strings.Builder
	for i, s := range r.svcs {
		fmt.Fprintf(&b, "--- replica %d:\n%s\n", i, tail(s.logs.String(), 4000))
	}
	return b.String()
}

// runnerOf is the replica whose agent is running job id (its private HOME is in its DATA_DIR).
func (r *replicas) runnerOf(id int64) int {
	for i, dir := range r.dirs {
		if m, _ := filepath.Glob(filepath.Join(dir, "agent-homes", fmt.Sprintf("job-%d-*", id))); len(m) > 0 {
			return i
		}
	}
	return -1
}

// Three replicas, webhooks spread round-robin, each delivered twice at once to two different
// replicas (distinct delivery ids, same note): every trigger is answered exactly once, and each
// thread's answers come in the order of its notes.
func TestReplicasAnswerEachTriggerOnceInOrder(t *testing.T) {
	t.Parallel()
	const threads, perThread = 6, 3
	r := newReplicas(t, 3, "WEBHOOK_RATE_LIMIT=0")
	iids := make([]int64, threads)
	for n := range iids {
		iids[n] = r.g.CreateIssue(r.proj.ID, r.alice.ID, fmt.Sprintf("Thread %d", n), "", false).IID
	}
	sent := 0
	for k := range perThread {
		for n, iid := range iids {
			ev, body := r.g.IssueNoteEvent(r.proj.ID, iid, r.alice.ID, fmt.Sprintf("@claude question %d\nFAKE_CLAUDE answer A:%d:%d", k, n, k))
			codes := make([]int, 2)
			var wg sync.WaitGroup
			for c := range 2 {
				wg.Go(func() { codes[c] = r.postNote((sent+c)%3, ev, body, fmt.Sprintf("uuid-%d-%d-%d", n, k, c)) })
			}
			wg.Wait()
			sort.Ints(codes)
			if codes[0] != http.StatusOK || codes[1] != http.StatusAccepted {
				t.Fatalf("thread %d question %d: answers %v, want one 202 and one 200 duplicate\n%s", n, k, codes, r.logs())
			}
			sent++
		}
	}
	r.waitFor("every trigger answered", 90*time.Second, func() bool {
		for _, iid := range iids {
			notes := r.botNotes(fakegitlab.ThreadIssue, ref(iid))
			done := 0
			for _, note := range notes {
				if finished(note) {
					done++
				}
			}
			if done < perThread {
				return false
			}
		}
		return true
	})
	r.waitDrained() // a duplicate would come from a job still queued or running
	for n, iid := range iids {
		notes := r.botNotes(fakegitlab.ThreadIssue, ref(iid))
		if len(notes) != perThread {
			t.Fatalf("thread %d: %d bot notes, want %d\n%+v", n, len(notes), perThread, notes)
		}
		sort.Slice(notes, func(i, j int) bool { return notes[i].ID < notes[j].ID }) // posted = started
		for k, note := range notes {
			if !strings.HasPrefix(note.Body, fmt.Sprintf("A:%d:%d\n", n, k)) {
				t.Fatalf("thread %d: answer %d is %.40q, want the answer to question %d (order or duplicate)", n, k, note.Body, k)
			}
		}
	}
	ran := 0
	for _, s := range r.svcs {
		if strings.Contains(s.logs.String(), "job: answered") {
			ran++
		}
	}
	t.Logf("FIGURE 3 replicas: %d triggers (each sent twice) answered once and in order; %d replicas ran jobs", threads*perThread, ran)
}

// kill -9 of the replica running a job: another replica takes the job over once its heartbeat is
// stale and finishes it; one answer, one branch, one merge request, one 👀.
func TestReplicaKilledMidJobIsTakenOver(t *testing.T) {
	t.Parallel()
	r := newReplicas(t, 3, "GITLAB_USE_MR=true")
	iid := r.issueNote("Add a file", changeRequest("added.txt", "\nFAKE_CLAUDE sleep 2"))
	victim := -1
	var job int64
	r.waitFor("the agent to start", 30*time.Second, func() bool {
		job = r.jobOf(iid)
		victim = r.runnerOf(job)
		return job != 0 && victim >= 0
	})
	r.svcs[victim].kill()
	killed := time.Now()
	var answered time.Duration
	if !waitfor.Within(60*time.Second, func() bool {
		for _, note := range r.botNotes(fakegitlab.ThreadIssue, ref(iid)) {
			if finished(note) {
				answered = time.Since(killed)
			}
		}
		return answered != 0
	}) {
		t.Fatalf("the killed replica's job was never answered\n%s", r.logs())
	}
	took := 0
	for i, s := range r.svcs {
		if i != victim && strings.Contains(s.logs.String(), "took over jobs of a replica that stopped beating") {
			took++
		}
	}
	if took == 0 {
		t.Fatalf("no replica says it took the job over\n%s", r.logs())
	}
	r.svc = r.svcs[(victim+1)%3] // exactlyOneAnswer prints its logs on failure
	r.exactlyOneAnswer(iid)
	r.oneChange(iid)
	if a := r.g.Awards(r.proj.ID, fakegitlab.ThreadIssue, ref(iid)); len(a) != 1 {
		t.Fatalf("awards: %+v", a)
	}
	t.Logf("FIGURE kill -9 of the replica running job %d (JOB_STALE_AFTER=2s, JOB_HEARTBEAT=250ms): answered by another %.1fs later", job, answered.Seconds())
}

// Two replicas starting at the same moment on an empty database: the migrations run once (one
// replica logs them), both serve.
func TestTwoReplicasStartTogetherOnAnEmptyDatabase(t *testing.T) {
	t.Parallel()
	tg := storetest.Postgres(t)
	g, token := testGitLab(t)
	env := []string{"GITLAB_URL=" + g.URL(), "GITLAB_TOKEN=" + token, "WEBHOOK_SECRET=" + testSecret, "DATABASE_URL=" + tg.URL}
	svcs := make([]*service, 2)
	for i := range svcs { // both processes first, then wait: they start at the same moment
		svcs[i] = launchService(t, append(append([]string(nil), env...), "DATA_DIR="+t.TempDir())...)
	}
	migrated := 0
	for i, s := range svcs {
		s.waitHealthy()
		if strings.Contains(s.logs.String(), `"msg":"database migrated"`) {
			migrated++
		}
		if code, _ := s.post("Push Hook", []byte(`{"object_kind":"push"}`), "X-Gitlab-Token", testSecret); code != http.StatusOK {
			t.Fatalf("replica %d does not serve: %d\n%s", i, code, s.logs)
		}
	}
	if migrated != 1 {
		t.Fatalf("%d replicas migrated the database, want exactly 1\n%s\n%s", migrated, svcs[0].logs, svcs[1].logs)
	}
	v, err := store.InspectPostgres(context.Background(), tg.URL)
	if err != nil || v != store.SchemaVersion() {
		t.Fatalf("schema version %d (%v), want %d", v, err, store.SchemaVersion())
	}
	out := runCLI(t, env, "jobs", "list")
	if !strings.Contains(out, "(no jobs)") {
		t.Fatalf("jobs list on PostgreSQL:\n%s", out)
	}
}

// launchService starts the binary without waiting for it (see startService).
func launchService(t testing.TB, env ...string) *service {
	t.Helper()
	addr := freeAddr(t)
	s := &service{t: t, url: "http://" + addr, logs: &syncBuffer{}, env: env}
	s.cmd = exec.Command(binary(t), "serve")
	s.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "LISTEN_ADDR=" + addr, "LOG_FORMAT=json", "LOG_LEVEL=debug", "INTAKE=webhook"}, unconfinedWithoutBwrap(env)...)
	s.cmd.Dir = t.TempDir()
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // see kill
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.kill() })
	return s
}
