package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// needOwnNetwork skips where bwrap cannot give a run its own network namespace; in CI that is a
// failure: the confinement these tests prove must be there.
func needOwnNetwork(t *testing.T) {
	t.Helper()
	ok, why := bwrapWorks()
	if ok {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("bwrap cannot create a network namespace here (CI must be able to): %s", why)
	}
	t.Skipf("bwrap cannot create a network namespace here: %s", why)
}

// hostListener is a service on the host's loopback the agent must not reach; it counts
// connections and keeps the lines it receives.
type hostListener struct {
	addr  string
	mu    sync.Mutex
	conns int
	lines []string
}

func listenOnHost(t *testing.T) *hostListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	h := &hostListener{addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			h.mu.Lock()
			h.conns++
			h.mu.Unlock()
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			h.mu.Lock()
			h.lines = append(h.lines, strings.TrimSpace(line))
			h.mu.Unlock()
		}
	}()
	return h
}

func (h *hostListener) seen() (int, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.conns, append([]string(nil), h.lines...)
}

type dialReport struct {
	Addr      string `json:"addr"`
	Via       string `json:"via"`
	Connected bool   `json:"connected"`
	Status    string `json:"status"`
	Error     string `json:"error"`
	TookMS    int64  `json:"took_ms"`
}

// ask posts one request on a new issue and returns the one answer.
func (w *world) ask(text string) string {
	w.t.Helper()
	issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "probe", "", false)
	ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID, text)
	w.deliver(ev, body, http.StatusAccepted)
	notes := w.waitAnswers(fakegitlab.ThreadIssue, ref(issue.IID), 1)
	if len(notes) != 1 {
		w.t.Fatalf("want one reply, got %d", len(notes))
	}
	return notes[0].Body
}

// dials reads the fake CLI's dial reports out of a reply.
func dials(t *testing.T, answer string) map[string]dialReport {
	t.Helper()
	out := map[string]dialReport{}
	for _, line := range strings.Split(answer, "\n") {
		var d dialReport
		if json.Unmarshal([]byte(strings.TrimSpace(line)), &d) == nil && d.Addr != "" {
			out[d.Addr] = d
		}
	}
	if len(out) == 0 {
		t.Fatalf("no dial report in the reply:\n%s", answer)
	}
	t.Logf("dials: %+v", out)
	return out
}

// A prompt-injected agent tries the service's loopback and an outside address: in its own
// network namespace the loopback is its own (nothing listens there) and there is no route out
// (the outside address fails at once, not by a timeout). The host's listener receives nothing,
// and the job still ends with one reply.
func TestAgentCannotReachTheHostOrTheOutside(t *testing.T) {
	needOwnNetwork(t)
	h := listenOnHost(t)
	w := newWorld(t, "AGENT_SANDBOX=bwrap")
	got := dials(t, w.ask("@claude look around\nFAKE_CLAUDE dial "+h.addr+" leak-from-the-sandbox\nFAKE_CLAUDE dial 192.0.2.1:80 leak-outside"))
	if d := got[h.addr]; d.Connected || !strings.Contains(d.Error, "connection refused") {
		t.Errorf("the host's loopback: %+v", d)
	}
	if d := got["192.0.2.1:80"]; d.Connected || !strings.Contains(d.Error, "network is unreachable") || d.TookMS > 1000 {
		t.Errorf("the outside address: want an immediate \"network is unreachable\", got %+v", d)
	}
	if n, lines := h.seen(); n != 0 {
		t.Fatalf("the host's listener got %d connections: %q", n, lines)
	}
}

// The allowlist's proxy refuses a name it allows when the name resolves to a loopback address:
// the host's listener receives nothing.
func TestAllowlistNeverReachesAPrivateAddress(t *testing.T) {
	needOwnNetwork(t)
	h := listenOnHost(t)
	_, port, _ := net.SplitHostPort(h.addr)
	w := newWorld(t, "AGENT_SANDBOX=bwrap", "AGENT_NETWORK=allowlist", "AGENT_EGRESS_ALLOW=localhost")
	d := dials(t, w.ask("@claude fetch\nFAKE_CLAUDE dial localhost:"+port+" leak-through-the-proxy"))["localhost:"+port]
	if d.Via != "proxy" || d.Connected || !strings.Contains(d.Status, "403") {
		t.Errorf("through the allowlist: %+v", d)
	}
	if n, lines := h.seen(); n != 0 {
		t.Fatalf("the host's listener got %d connections: %q", n, lines)
	}
}

// Control for the two tests above: with AGENT_NETWORK=full the same directive reaches the
// host's listener, so those tests would see a breach.
func TestControlFullNetworkReachesTheHost(t *testing.T) {
	needOwnNetwork(t)
	h := listenOnHost(t)
	_, port, _ := net.SplitHostPort(h.addr)
	w := newWorld(t, "AGENT_SANDBOX=bwrap", "AGENT_NETWORK=full")
	if d := dials(t, w.ask("@claude look around\nFAKE_CLAUDE dial localhost:"+port+" leak-control"))["localhost:"+port]; !d.Connected {
		t.Fatalf("control: %+v", d)
	}
	if _, lines := h.seen(); len(lines) != 1 || lines[0] != "leak-control" {
		t.Fatalf("control: the listener got %q", lines)
	}
	if !strings.Contains(w.svc.logs.String(), "agent network: FULL") {
		t.Fatal("AGENT_NETWORK=full starts without the loud warning")
	}
}

type secretReport struct {
	Found   bool     `json:"found"`
	Where   []string `json:"where"`
	Scanned int      `json:"scanned"`
}

func findSecret(t *testing.T, w *world, secret string) secretReport {
	t.Helper()
	sum := sha256.Sum256([]byte(secret))
	answer := w.ask("@claude look for keys\nFAKE_CLAUDE findsecret " + hex.EncodeToString(sum[:]))
	var r secretReport
	if err := json.Unmarshal([]byte(strings.TrimSpace(strings.SplitN(answer, "\n", 2)[0])), &r); err != nil || r.Scanned == 0 {
		t.Fatalf("no report in the reply (%v):\n%s", err, answer)
	}
	t.Logf("search: %+v", r)
	return r
}

// The real Anthropic key is nowhere the agent can read: not its environment, not any process's
// environment or command line it can see, not a file under HOME, the worktree, /tmp or /run.
// The agent searches by the key's hash; the prompt never holds the key.
func TestAgentHoldsNoRealCredential(t *testing.T) {
	needOwnNetwork(t)
	w := newWorld(t, "AGENT_SANDBOX=bwrap")
	if r := findSecret(t, w, realTestKey); r.Found {
		t.Fatalf("the agent found the real key in %v", r.Where)
	}
}

// Control: unconfined (AGENT_SANDBOX=none, so AGENT_NETWORK is full), the same search finds it.
func TestControlUnconfinedAgentFindsTheRealCredential(t *testing.T) {
	w := newWorld(t, "AGENT_SANDBOX=none")
	if r := findSecret(t, w, realTestKey); !r.Found {
		t.Fatalf("control: the key was not found (%d places scanned): the test cannot see a breach", r.Scanned)
	}
}
