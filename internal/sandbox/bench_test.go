package sandbox_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/egress"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakeanthropic"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/sandbox"
)

// percentiles reports p50 and p99 of the timed operations in ms, beside ns/op.
func percentiles(b *testing.B, took []time.Duration) {
	slices.Sort(took)
	at := func(q float64) float64 { return float64(took[int(q*float64(len(took)-1))]) / 1e6 }
	b.ReportMetric(at(0.5), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

const benchBody = `{"model":"claude-sonnet-4-5","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi"}]}`

// One streamed model request (the fake Messages API on 127.0.0.1): straight to the API (what the
// CLI did before), and the way a sandboxed run goes now: TCP to the bridge, the Unix socket, the
// proxy (credential check and swap, usage metering), then the API.
func BenchmarkModelRequest(b *testing.B) {
	api := fakeanthropic.Start(fakeanthropic.Answer(strings.Repeat("word ", 200)))
	defer api.Close()
	run := func(b *testing.B, base, key string) {
		client := &http.Client{}
		took := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			start := time.Now()
			req, _ := http.NewRequest("POST", base+"/v1/messages?beta=true", strings.NewReader(benchBody))
			req.Header.Set("X-Api-Key", key)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
			took = append(took, time.Since(start))
		}
		b.StopTimer()
		percentiles(b, took)
	}
	b.Run("direct", func(b *testing.B) { run(b, api.URL, "sk-ant-real") })
	b.Run("proxy", func(b *testing.B) {
		sess, err := egress.Open(b.TempDir(), egress.Config{Upstream: api.URL, Credentials: map[string]string{"ANTHROPIC_API_KEY": "sk-ant-real"}}, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer sess.Close()
		ln, err := net.Listen("tcp", "127.0.0.1:0") // the bridge's side, as inside the sandbox
		if err != nil {
			b.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go sandbox.Relay(c, sess.Socket())
			}
		}()
		run(b, "http://"+ln.Addr().String(), sess.Token())
	})
}

// The start of one confined run of /bin/true, set up and released as a job's run is (cgroup
// included where the machine has them): unconfined as the baseline, bwrap with the host's
// network, with a network of its own, and with the bridge to an egress socket.
func BenchmarkSandboxStart(b *testing.B) {
	if _, err := sandbox.New(sandbox.Config{Mode: sandbox.ModeBwrap}); err != nil {
		b.Skipf("no bwrap: %v", err)
	}
	// The bridge is the service's binary, as in production (this test binary is larger and
	// starts slower).
	bridge := filepath.Join(b.TempDir(), "claude-gitlab")
	if out, err := exec.Command("go", "build", "-o", bridge, "gitlab.com/claude-gitlab/claude-gitlab/cmd/claude-gitlab").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	dir, home := b.TempDir(), b.TempDir()
	sess, err := egress.Open(b.TempDir(), egress.Config{}, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer sess.Close()
	cases := []struct {
		name, mode, network string
		egress              bool
	}{
		{"none", sandbox.ModeNone, sandbox.NetworkFull, false},
		{"bwrap-hostnet", sandbox.ModeBwrap, sandbox.NetworkFull, false},
		{"bwrap-ownnet", sandbox.ModeBwrap, sandbox.NetworkModel, false},
		{"bwrap-ownnet-bridge", sandbox.ModeBwrap, sandbox.NetworkModel, true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			sb, err := sandbox.New(sandbox.Config{Mode: c.mode, Network: c.network, Bridge: bridge})
			if err != nil {
				b.Fatal(err)
			}
			cmd := sandbox.Command{Path: "/bin/true", Env: []string{"PATH=/usr/bin:/bin", "HOME=" + home}, Dir: dir, Home: home}
			if c.egress {
				cmd.Egress, cmd.EgressAddr = sess.Socket(), egress.InsideAddr
			}
			took := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				r, err := sb.Wrap(cmd)
				if err != nil {
					b.Fatal(err)
				}
				x := exec.CommandContext(context.Background(), r.Path, r.Args...)
				x.Env, x.Dir = r.Env, r.Dir
				if out, err := x.CombinedOutput(); err != nil {
					b.Fatalf("%v: %s", err, out)
				}
				if err := r.Release(); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
			}
			b.StopTimer()
			percentiles(b, took)
		})
	}
}
