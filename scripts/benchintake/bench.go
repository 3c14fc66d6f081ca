package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// bench holds what every run shares: the fake GitLab, the built binaries, the wrk scripts.
type bench struct {
	secret            string
	dir               string
	g                 *fakegitlab.GitLab
	token             string
	service, fake     string // built binaries
	self              string // this program, for the limit process
	cases             []benchCase
	templates         [][]byte
	ignored, mentions load
}

type benchCase struct {
	name, script string
	wantStatus   int // every answer of ours has it; 0: the mentions case (counted from /metrics)
}

func newBench(secret, payloads, only string) (*bench, error) {
	dir, err := os.MkdirTemp("", "bench-intake-")
	if err != nil {
		return nil, err
	}
	b := &bench{secret: secret, dir: dir}
	if b.self, err = os.Executable(); err != nil {
		return nil, err
	}
	b.service, b.fake = filepath.Join(dir, "claude-gitlab"), filepath.Join(dir, "claude")
	for out, pkg := range map[string]string{b.service: "./cmd/claude-gitlab", b.fake: "./internal/agent/fakeclaude"} {
		if o, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build %s: %v\n%s", pkg, err, o)
		}
	}
	if b.g, err = fakegitlab.New(fakegitlab.Options{RateLimitPerMinute: -1}); err != nil {
		return nil, err
	}
	if err := b.world(); err != nil {
		return nil, err
	}
	if err := b.scripts(payloads); err != nil {
		return nil, err
	}
	b.cases = slices.DeleteFunc(b.cases, func(c benchCase) bool { return !strings.Contains(c.name, only) })
	if len(b.cases) == 0 {
		return nil, fmt.Errorf("no case's name contains %q", only)
	}
	return b, nil
}

// world makes the bot, a developer and 10 issues over 2 projects (so that 2 workers may run at
// once: each project runs at most WORKERS/2 jobs), and one note template per issue.
func (b *bench) world() error {
	bot := b.g.AddUser("claude-bot", "Claude", true)
	b.token = b.g.AddToken(bot.ID, []string{"api", "read_repository", "write_repository"}, time.Now().Add(90*24*time.Hour), "project")
	alice := b.g.AddUser("alice", "Alice", false)
	for p := 0; p < 2; p++ {
		proj := b.g.AddProject(fmt.Sprintf("acme/bench-%d", p), "main", map[string]string{"README.md": "# bench\n"})
		b.g.AddMember(proj.ID, bot.ID, fakegitlab.Developer)
		b.g.AddMember(proj.ID, alice.ID, fakegitlab.Developer)
		for i := 0; i < 5; i++ {
			is := b.g.CreateIssue(proj.ID, alice.ID, fmt.Sprintf("Bench thread %d-%d", p, i), "", false)
			_, body := b.g.IssueNoteEvent(proj.ID, is.IID, alice.ID, "@claude question "+textPlaceholder)
			t, err := withNoteID(body)
			if err != nil {
				return err
			}
			b.templates = append(b.templates, t)
		}
	}
	return nil
}

// withNoteID puts the placeholder in the note's id, which the wrk script replaces.
func withNoteID(body []byte) ([]byte, error) {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	m["object_attributes"].(map[string]any)["id"] = json.Number(noteIDPlaceholder)
	return json.Marshal(m)
}

func (b *bench) scripts(payloads string) error {
	type spec struct{ name, file, event, token string }
	specs := []spec{
		{"issue hook without a mention", "issue_open.json", "Issue Hook", b.secret},
		{"MR hook without a mention", "mr_update.json", "Merge Request Hook", b.secret},
		{"note hook without a mention", "note_issue.json", "Note Hook", b.secret},
		{"wrong token", "issue_open.json", "Issue Hook", "wrong-" + b.secret},
	}
	for i, s := range specs {
		body, err := os.ReadFile(filepath.Join(payloads, s.file))
		if err != nil {
			return fmt.Errorf("payloads: %w (run from the repository root, or pass -payloads)", err)
		}
		script, err := fixedScript(b.dir, "case"+strconv.Itoa(i), s.event, s.token, body)
		if err != nil {
			return err
		}
		want := http.StatusOK
		if s.token != b.secret {
			want = http.StatusForbidden
		}
		b.cases = append(b.cases, benchCase{name: s.name, script: script, wantStatus: want})
	}
	script, err := mentionsScript(b.dir, b.secret, b.templates)
	if err != nil {
		return err
	}
	b.cases = append(b.cases, benchCase{name: "distinct @claude notes, durably queued, 2 workers busy", script: script})
	return nil
}

func (b *bench) close() {
	b.g.Close()
	os.RemoveAll(b.dir)
}

// run starts a fresh service and limit, keeps the workers busy, and measures every case on both.
func (b *bench) run(n int) (runResult, error) {
	svc, err := b.startService(n)
	if err != nil {
		return runResult{}, err
	}
	defer svc.stop()
	lim, err := b.startLimit()
	if err != nil {
		return runResult{}, err
	}
	defer lim.stop()
	// Work for the workers for the whole run: mentions they answer with the fake CLI.
	if err := b.warmUp(svc.url, 200); err != nil {
		return runResult{}, fmt.Errorf("%w\n%s", err, svc.logTail())
	}
	var r runResult
	for _, c := range b.cases {
		l := b.ignored
		if c.wantStatus == 0 {
			l = b.mentions
		}
		before := queuedCount(svc.url)
		ours, err := runWrk(svc.url+"/webhook", c.script, l)
		if err != nil {
			return r, err
		}
		if err := check(c, ours, queuedCount(svc.url)-before); err != nil {
			return r, fmt.Errorf("%s: %w\n%s", c.name, err, svc.logTail())
		}
		if c.wantStatus == 0 {
			r.queued = queuedCount(svc.url) - before
		}
		limit, err := runWrk(lim.url+"/webhook", c.script, l)
		if err != nil {
			return r, err
		}
		r.pairs = append(r.pairs, newPair(c.name, ours, limit))
	}
	r.rssMB = svc.peakRSS()
	return r, nil
}

// check makes sure every answer was the one the case measures.
func check(c benchCase, r wrkResult, queued int) error {
	switch {
	case r.errors != "":
		return fmt.Errorf("wrk: %s", r.errors)
	case c.wantStatus == http.StatusOK && r.non2xx > 0:
		return fmt.Errorf("%d of %d answers were not 200", r.non2xx, r.requests)
	case c.wantStatus == http.StatusForbidden && r.non2xx != r.requests:
		return fmt.Errorf("%d of %d answers were 2xx, want 403", r.requests-r.non2xx, r.requests)
	case c.wantStatus == 0 && (r.non2xx > 0 || queued < r.requests):
		return fmt.Errorf("%d of %d answers not 2xx; %d queued", r.non2xx, r.requests, queued)
	}
	return nil
}

// warmUp queues n mentions and waits until they are stored, so the workers have work.
func (b *bench) warmUp(url string, n int) error {
	for i := 0; i < n; i++ {
		t := b.templates[i%len(b.templates)]
		id := strconv.Itoa(900_000_000 + i)
		body := strings.Replace(strings.Replace(string(t), noteIDPlaceholder, id, 1), textPlaceholder, id, 1)
		req, _ := http.NewRequest(http.MethodPost, url+"/webhook", strings.NewReader(body))
		req.Header.Set("X-Gitlab-Event", "Note Hook")
		req.Header.Set("X-Gitlab-Token", b.secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			return fmt.Errorf("warm-up mention: status %d", resp.StatusCode)
		}
	}
	return nil
}

// queuedCount reads how many deliveries the service has queued from its /metrics.
func queuedCount(url string) int {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	total := 0
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "claude_gitlab_webhooks_total{") && strings.Contains(line, `outcome="queued"`) {
			f := strings.Fields(line)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			total += int(v)
		}
	}
	return total
}

// proc is a server process of the run.
type proc struct {
	cmd  *exec.Cmd
	url  string
	logs string
}

func (p *proc) stop() {
	p.cmd.Process.Kill()
	p.cmd.Wait()
}

func (p *proc) logTail() string {
	raw, _ := os.ReadFile(p.logs)
	if len(raw) > 4000 {
		raw = raw[len(raw)-4000:]
	}
	return string(raw)
}

// peakRSS is the process's high-water resident memory (VmHWM), in MB.
func (p *proc) peakRSS() float64 {
	raw, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

func (b *bench) startService(n int) (*proc, error) {
	data := filepath.Join(b.dir, "data-"+strconv.Itoa(n))
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + b.dir,
		"GITLAB_URL=" + b.g.URL(), "GITLAB_TOKEN=" + b.token, "WEBHOOK_SECRET=" + b.secret,
		"DATA_DIR=" + data, "CLAUDE_PATH=" + b.fake, "ANTHROPIC_API_KEY=sk-fake-anthropic-key-for-bench",
		"WORKERS=2", "LOG_LEVEL=warn", "LOG_FORMAT=json",
		// Every wrong-token delivery is checked rather than answered 429 by the per-address limit.
		"WEBHOOK_RATE_LIMIT=0",
	}
	return b.start(env, b.service, "serve")
}

func (b *bench) startLimit() (*proc, error) {
	return b.start([]string{"PATH=" + os.Getenv("PATH")}, b.self, "-secret", b.secret, "-serve-limit")
}

// start runs a server on a free loopback port (passed as LISTEN_ADDR, or after the last
// argument) and waits until it answers.
func (b *bench) start(env []string, bin string, args ...string) (*proc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	p := &proc{url: "http://" + addr, logs: filepath.Join(b.dir, filepath.Base(bin)+"-"+strings.ReplaceAll(addr, ":", "_")+".log")}
	if bin == b.self {
		args = append(args, addr)
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(env, "LISTEN_ADDR="+addr)
	p.cmd.Dir = b.dir
	logf, err := os.Create(p.logs)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		if ready(p.url, bin == b.self) {
			return p, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.stop()
	return nil, fmt.Errorf("%s did not start:\n%s", bin, p.logTail())
}

// ready: the service's /ready (database, workers, GitLab identity), or any answer of the limit.
func ready(url string, limit bool) bool {
	if limit {
		resp, err := http.Post(url+"/webhook", "application/json", bytes.NewReader(nil))
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	}
	resp, err := http.Get(url + "/ready")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
