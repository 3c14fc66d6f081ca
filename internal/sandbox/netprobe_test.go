package sandbox_test

import (
	"context"
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/egress"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/sandbox"
)

// doctor's network probe passes in each mode, and sees each breach it is there for: a real
// credential put into the sandbox, a proxy that does not take the run's credential, and (in
// the unconfined control) the service's loopback listener.
func TestNetworkProbe(t *testing.T) {
	const real = "fake-real-key-for-the-probe"
	for _, mode := range modes(t) {
		t.Run(mode, func(t *testing.T) {
			sess, err := egress.Open(t.TempDir(), egress.Config{Credentials: map[string]string{"ANTHROPIC_API_KEY": real}}, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			cfg := sandbox.Config{Mode: mode, User: testUser(t, mode)}
			e := sandbox.Egress{Socket: sess.Socket(), Addr: egress.InsideAddr, Env: sess.Env()}
			if err := sandbox.ProbeNetwork(context.Background(), cfg, e, []string{real}); err != nil {
				t.Fatalf("probe: %v", err)
			}
			leak := e
			leak.Env = append(append([]string(nil), e.Env...), "LEAKED="+real)
			if err := sandbox.ProbeNetwork(context.Background(), cfg, leak, []string{real}); err == nil || !strings.Contains(err.Error(), "real credential") {
				t.Fatalf("probe with the real key inside: %v", err)
			}
			wrong := e
			wrong.Env = []string{"ANTHROPIC_API_KEY=sk-ant-not-the-run-s"}
			if err := sandbox.ProbeNetwork(context.Background(), cfg, wrong, []string{real}); err == nil || !strings.Contains(err.Error(), "HTTP 401") {
				t.Fatalf("probe with a wrong run credential: %v", err)
			}
			cfg.Network = sandbox.NetworkFull
			if err := sandbox.ProbeNetwork(context.Background(), cfg, e, []string{real}); err == nil {
				t.Fatal("probe with AGENT_NETWORK=full passed")
			}
		})
	}
}
