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
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/waitfor"
)

// bwrapWorks says whether bwrap can confine a run here, with its own network namespace.
var bwrapWorks = sync.OnceValues(func() (bool, string) {
	out, err := exec.Command("bwrap", "--unshare-net", "--unshare-user", "--ro-bind", "/", "/", "--dev", "/dev", "--", "/bin/true").CombinedOutput()
	if err != nil {
		return false, fmt.Sprintf("%v: %s", err, bytes.TrimSpace(out))
	}
	return true, ""
})

// unconfinedWithoutBwrap lets the suite run on a machine without bubblewrap (a laptop, macOS's
// Linux VM, a fresh Debian): a service the test did not give a sandbox mode runs its agent
// unconfined, as `serve` would refuse to start otherwise. The tests that prove confinement call
// needOwnNetwork and skip there; with CI=true nothing changes (CI installs bubblewrap and a
// missing one fails those tests).
func unconfinedWithoutBwrap(env []string) []string {
	if ok, _ := bwrapWorks(); ok || os.Getenv("CI") == "true" {
		return env
	}
	for _, kv := range env {
		if strings.HasPrefix(kv, "AGENT_SANDBOX=") {
			return env
		}
	}
	return append(env, "AGENT_SANDBOX=none")
}

// binPath is the claude-gitlab binary built once for this test package.
var (
	binOnce sync.Once
	binPath string
	binErr  error
)

func binary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "claude-gitlab-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "claude-gitlab")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// service is one running claude-gitlab process.
type service struct {
	t    testing.TB
	cmd  *exec.Cmd
	url  string
	logs *syncBuffer
	env  []string
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// testGitLab is a fake GitLab with a bot user and its token.
func testGitLab(t testing.TB) (*fakegitlab.GitLab, string) {
	t.Helper()
	g, err := fakegitlab.New(fakegitlab.Options{RateLimitPerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	bot := g.AddUser("claude-bot", "Claude", true)
	token := g.AddToken(bot.ID, []string{"api"}, time.Now().Add(90*24*time.Hour), "personal")
	return g, token
}

// startService runs the binary with env (plus a free address, unless env sets LISTEN_ADDR) and
// waits for /health.
func startService(t testing.TB, env ...string) *service {
	t.Helper()
	addr := freeAddr(t)
	for _, kv := range env {
		if a, ok := strings.CutPrefix(kv, "LISTEN_ADDR="); ok {
			addr = a // a restart on the same address
		}
	}
	bin := ""
	for _, kv := range env {
		if b, ok := strings.CutPrefix(kv, "TEST_BINARY="); ok {
			bin = b // another build of the binary (a control run's)
		}
	}
	if bin == "" {
		bin = binary(t)
	}
	env = unconfinedWithoutBwrap(env)
	s := &service{t: t, url: "http://" + addr, logs: &syncBuffer{}, env: env}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "LISTEN_ADDR=" + addr, "LOG_FORMAT=json", "LOG_LEVEL=debug", "INTAKE=webhook"}, env...)
	s.cmd.Dir = t.TempDir() // no stray .env
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // kill reaches its git processes too
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.kill() })
	s.waitHealthy()
	return s
}

func (s *service) waitHealthy() {
	s.t.Helper()
	if !waitfor.Within(20*time.Second, func() bool {
		resp, err := http.Get(s.url + "/health")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	}) {
		s.t.Fatalf("service did not answer /health:\n%s", s.logs)
	}
}

// kill ends the service and whatever it started that is still running (a git fetch into a
// mirror, a worktree being reset: git runs in process groups of its own, within the service's
// session): a test's temporary directory is removed after this, and a process still writing there
// would make that fail. A test's own kill -9 of the service (cmd.Process.Kill, a crash) leaves
// them running, as a crash would, until this.
func (s *service) kill() {
	sid := s.cmd.Process.Pid
	_ = syscall.Kill(-sid, syscall.SIGKILL)
	if s.cmd.ProcessState == nil {
		s.cmd.Wait()
	}
	if !waitfor.Within(10*time.Second, func() bool {
		left := sessionMembers(sid)
		for _, pid := range left {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		return len(left) == 0
	}) {
		s.t.Logf("processes of the service's session %d still there after SIGKILL", sid)
	}
}

// sessionMembers lists the live (not zombie) processes of session sid, from /proc; none where
// there is no /proc (then only the service's own process group is killed).
func sessionMembers(sid int) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp session …: comm may hold spaces and parentheses.
		f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
		if len(f) > 3 && f[0] != "Z" && f[3] == strconv.Itoa(sid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func (s *service) post(event string, body []byte, headers ...string) (int, map[string]any) {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.url+"/webhook", bytes.NewReader(body))
	req.Header.Set("X-Gitlab-Event", event)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("POST /webhook: %v", err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// runCLI runs a command of the binary and returns its output.
func runCLI(t testing.TB, env []string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(context.Background(), binary(t), args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("claude-gitlab %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (s *service) sigterm() error {
	s.cmd.Process.Signal(syscall.SIGTERM)
	return s.cmd.Wait()
}

// runCLIErr runs a command that must fail and returns its output.
func runCLIErr(t testing.TB, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("claude-gitlab %s succeeded, want a failure:\n%s", strings.Join(args, " "), out)
	}
	return string(out)
}
