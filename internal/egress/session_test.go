package egress_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/egress"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakeanthropic"
)

const realKey = "fake-real-key-never-inside"

// open starts a session in a temporary folder and a client that reaches it over its socket.
func open(t *testing.T, cfg egress.Config, limits ...egress.Limit) (*egress.Session, *http.Client, *[]egress.Call) {
	t.Helper()
	var mu sync.Mutex
	calls := &[]egress.Call{}
	s, err := egress.Open(t.TempDir(), cfg, limits, func(c egress.Call) {
		mu.Lock()
		*calls = append(*calls, c)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", s.Socket())
	}}}
	return s, c, calls
}

func message(t *testing.T, c *http.Client, key string, stream bool) (int, string) {
	t.Helper()
	body := fmt.Sprintf(`{"model":"claude-sonnet-4-5","max_tokens":10,"stream":%v,"messages":[{"role":"user","content":"hi"}]}`, stream)
	req, _ := http.NewRequest("POST", "http://"+egress.InsideAddr+"/v1/messages?beta=true", strings.NewReader(body))
	req.Header.Set("X-Api-Key", key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

// The API gets the real key, the run only ever shows its own; usage is counted from the stream
// and from a JSON answer alike.
func TestModelRequestsCarryTheRealKeyAndAreCounted(t *testing.T) {
	api := fakeanthropic.Start(fakeanthropic.Answer("hello"))
	defer api.Close()
	s, c, calls := open(t, egress.Config{Upstream: api.URL, Credentials: map[string]string{"ANTHROPIC_API_KEY": realKey}})
	for _, kv := range s.Env() {
		if strings.Contains(kv, realKey) {
			t.Fatalf("the run's environment holds the real key: %s", kv)
		}
	}
	if !strings.Contains(strings.Join(s.Env(), " "), "ANTHROPIC_API_KEY="+s.Token()) {
		t.Fatalf("the run does not get its own key: %v", s.Env())
	}
	for _, stream := range []bool{true, false} {
		if code, body := message(t, c, s.Token(), stream); code != 200 || !strings.Contains(body, "hello") {
			t.Fatalf("stream=%v: %d %s", stream, code, body)
		}
	}
	for _, r := range api.Requests() {
		if got := r.Header.Get("X-Api-Key"); got != realKey {
			t.Fatalf("the API got X-Api-Key %q", got)
		}
	}
	tot := s.Close()
	want := 2 * egress.Cost("claude-sonnet-4-5", egress.Usage{InputTokens: 100, OutputTokens: 20})
	if tot.Requests != 2 || tot.Usage.InputTokens != 200 || tot.Usage.OutputTokens != 40 || fmt.Sprintf("%.6f", tot.CostUSD) != fmt.Sprintf("%.6f", want) {
		t.Fatalf("totals %+v, want 200/40 tokens and $%f", tot, want)
	}
	if len(*calls) != 2 || (*calls)[0].Model != "claude-sonnet-4-5" || (*calls)[0].Usage.OutputTokens != 20 {
		t.Fatalf("calls %+v", *calls)
	}
}

// Only the run's own credential is accepted: a guessed one, the real one, or none get 401 and
// never reach the API.
func TestOnlyTheRunsCredentialIsAccepted(t *testing.T) {
	api := fakeanthropic.Start(fakeanthropic.Answer("hello"))
	defer api.Close()
	s, c, _ := open(t, egress.Config{Upstream: api.URL, Credentials: map[string]string{"ANTHROPIC_API_KEY": realKey}})
	for _, key := range []string{"", "sk-ant-guess", realKey, s.Token() + "x"} {
		if code, _ := message(t, c, key, true); code != http.StatusUnauthorized {
			t.Errorf("key %q: status %d, want 401", key, code)
		}
	}
	if n := len(api.Requests()); n != 0 {
		t.Fatalf("%d requests reached the API", n)
	}
}

// Once the run's cost reaches a limit, further model requests are refused with an API error
// that names the limit, and the totals say which limit refused.
func TestBudgetRefusesFurtherRequests(t *testing.T) {
	api := fakeanthropic.Start(fakeanthropic.Answer("hello"))
	defer api.Close()
	one := egress.Cost("claude-sonnet-4-5", egress.Usage{InputTokens: 100, OutputTokens: 20})
	s, c, calls := open(t, egress.Config{Upstream: api.URL, Credentials: map[string]string{"ANTHROPIC_API_KEY": realKey}},
		egress.Limit{USD: 1.5 * one, Name: egress.LimitDaily, Why: "the project may spend $X a day (PROJECT_DAILY_BUDGET_USD)"})
	for i, want := range []int{200, 200, 400, 400} {
		code, body := message(t, c, s.Token(), true)
		if code != want {
			t.Fatalf("request %d: %d %s", i+1, code, body)
		}
		if code == 400 && !strings.Contains(body, "PROJECT_DAILY_BUDGET_USD") {
			t.Fatalf("the refusal does not say why: %s", body)
		}
	}
	tot := s.Close()
	if len(api.Requests()) != 2 || tot.Refused == nil || tot.Refused.Name != egress.LimitDaily || (*calls)[3].Refused == "" {
		t.Fatalf("API got %d requests; totals %+v", len(api.Requests()), tot)
	}
}

// connectVia sends CONNECT host over the session's socket and returns the status line.
func connectVia(t *testing.T, s *egress.Session, host string) (string, net.Conn) {
	t.Helper()
	conn, err := net.Dial("unix", s.Socket())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", host, host)
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(status), conn
}

// The allowlist never reaches a private address, even for a name it allows; names it does not
// allow and the model mode (no allowlist) are refused. The control run lets 127.0.0.1 through
// and shows the tunnel would carry the data.
func TestAllowlistRefusesPrivateAddresses(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			line, _ := bufio.NewReader(c).ReadString('\n')
			got <- line
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	target := "localhost:" + port

	model, _, _ := open(t, egress.Config{})
	if status, _ := connectVia(t, model, "localhost:443"); !strings.Contains(status, "403") {
		t.Fatalf("model mode: CONNECT answered %q", status)
	}
	allow, _, _ := open(t, egress.Config{Allow: []string{"localhost", "registry.example"}})
	for _, host := range []string{"registry.example.evil:443", "127.0.0.1:" + port} {
		if status, _ := connectVia(t, allow, host); !strings.Contains(status, "403") {
			t.Fatalf("allowlist: CONNECT %s answered %q", host, status)
		}
	}
	cfg := egress.Config{Allow: []string{"localhost"}}
	guarded, _, _ := open(t, cfg)
	if status, _ := connectVia(t, guarded, target); !strings.Contains(status, "403") {
		t.Fatalf("allowlist: CONNECT to the allowed name on a loopback address answered %q", status)
	}
	egress.AllowPrivate(&cfg) // control: the address guard off
	control, _, _ := open(t, cfg)
	status, conn := connectVia(t, control, target)
	if !strings.Contains(status, "200") {
		t.Fatalf("control: CONNECT answered %q", status)
	}
	fmt.Fprintf(conn, "secret-from-the-agent\n")
	// The listener handles connections in order: had the guarded CONNECT reached it, its
	// (empty) line would come first.
	if line := <-got; !strings.Contains(line, "secret-from-the-agent") {
		t.Fatalf("the listener got %q first: the guarded CONNECT reached it", line)
	}
}

func TestForbiddenAddresses(t *testing.T) {
	for _, a := range []string{"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.100.100.200",
		"0.0.0.0", "::1", "fe80::1", "fd00:ec2::254", "::ffff:10.0.0.1", "224.0.0.1", "64:ff9b::a00:1"} {
		if !egress.Forbidden(netip.MustParseAddr(a)) {
			t.Errorf("%s is allowed", a)
		}
	}
	for _, a := range []string{"93.184.215.14", "2606:4700::6810:84e5"} {
		if egress.Forbidden(netip.MustParseAddr(a)) {
			t.Errorf("%s is forbidden", a)
		}
	}
}

// An answer the API compresses (the CLI asks for gzip) is still counted, and reaches the CLI
// readable.
func TestCompressedAnswersAreCounted(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := `{"type":"message","model":"claude-haiku-4-5","content":[{"type":"text","text":"hi"}],"usage":{"input_tokens":1000,"output_tokens":500}}`
		w.Header().Set("Content-Type", "application/json")
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			io.WriteString(w, body)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		io.WriteString(zw, body)
		zw.Close()
	}))
	defer api.Close()
	s, c, _ := open(t, egress.Config{Upstream: api.URL, Credentials: map[string]string{"ANTHROPIC_API_KEY": realKey}})
	req, _ := http.NewRequest("POST", "http://"+egress.InsideAddr+"/v1/messages", strings.NewReader(`{}`))
	req.Header.Set("X-Api-Key", s.Token())
	req.Header.Set("Accept-Encoding", "gzip") // set by hand: Go's client then leaves the body compressed
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(zr)
	}
	if !strings.Contains(string(body), `"text":"hi"`) {
		t.Fatalf("body %q", body)
	}
	tot := s.Close()
	if tot.Usage.InputTokens != 1000 || tot.Usage.OutputTokens != 500 || tot.CostUSD != egress.Cost("claude-haiku-4-5", tot.Usage) || tot.CostUSD == 0 {
		t.Fatalf("totals %+v", tot)
	}
}

// An OAuth token (CLAUDE_CODE_OAUTH_TOKEN) stays outside too: the run gets its own under the same
// name, sent as a bearer token, and the API gets the real one.
func TestBearerCredentialIsSwapped(t *testing.T) {
	api := fakeanthropic.Start(fakeanthropic.Answer("hello"))
	defer api.Close()
	s, c, _ := open(t, egress.Config{Upstream: api.URL, Credentials: map[string]string{"CLAUDE_CODE_OAUTH_TOKEN": "sk-ant-oat-real"}})
	env := strings.Join(s.Env(), "\n")
	if !strings.Contains(env, "CLAUDE_CODE_OAUTH_TOKEN="+s.Token()) || strings.Contains(env, "sk-ant-oat-real") || strings.Contains(env, "ANTHROPIC_API_KEY") {
		t.Fatalf("env:\n%s", env)
	}
	req, _ := http.NewRequest("POST", "http://"+egress.InsideAddr+"/v1/messages", strings.NewReader(`{"model":"claude-sonnet-4-5","messages":[]}`))
	req.Header.Set("Authorization", "Bearer "+s.Token())
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := api.Requests()[0].Header.Get("Authorization"); resp.StatusCode != 200 || got != "Bearer sk-ant-oat-real" {
		t.Fatalf("status %d, the API got Authorization %q", resp.StatusCode, got)
	}
}

// Prices by generation, as Anthropic lists them (and as the pinned CLI counts its default model,
// claude-opus-5-5: $0.0008 for 100 tokens in and 20 out); an unknown model errs high.
func TestPrices(t *testing.T) {
	u := egress.Usage{InputTokens: 100, OutputTokens: 20}
	for model, want := range map[string]float64{
		"claude-opus-5-5": 0.0008, "claude-opus-5": 0.001, "claude-opus-4-5-20251101": 0.001, "claude-opus-4-1": 0.003,
		"claude-sonnet-5": 0.0004, "claude-sonnet-4-5": 0.0006, "claude-haiku-4-5": 0.0002, "claude-fable-5-1": 0.002,
		"claude-new-model-9": 0.003,
	} {
		if got := egress.Cost(model, u); fmt.Sprintf("%.7f", got) != fmt.Sprintf("%.7f", want) {
			t.Errorf("%s: $%f, want $%f", model, got, want)
		}
	}
	if got := egress.Cost("claude-opus-5-5", egress.Usage{CacheWrite: 1e6, CacheRead: 1e6}); fmt.Sprintf("%.2f", got) != "5.20" {
		t.Errorf("opus 5.5 cache: $%f, want $5.20", got)
	}
}

// The run's credential opens model requests only: other endpoints of the API (files, batches the
// meter never sees, an admin key's organisation endpoints) are refused before the real key is
// put on them. Control run: without modelEndpoint's check the upstream receives all three.
func TestOnlyModelRequestsReachTheAPI(t *testing.T) {
	var mu sync.Mutex
	var got []string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path)
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer up.Close()
	s, c, _ := open(t, egress.Config{Upstream: up.URL, Credentials: map[string]string{"ANTHROPIC_API_KEY": realKey}})
	for _, rq := range [][2]string{{"GET", "/v1/models"}, {"POST", "/v1/messages/batches"}, {"GET", "/v1/organizations/api_keys"}} {
		req, _ := http.NewRequest(rq[0], "http://"+egress.InsideAddr+rq[1], strings.NewReader("{}"))
		req.Header.Set("X-Api-Key", s.Token())
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s: status %d, want 403", rq[0], rq[1], resp.StatusCode)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 0 {
		t.Fatalf("reached the API with the real key: %v", got)
	}
}
