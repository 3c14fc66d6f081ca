package mcptools_test

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/mcptools"
)

// instantGitLab answers read_issue at once: the benchmark measures the bridge, not GitLab.
type instantGitLab struct{ mcptools.GitLab }

func (instantGitLab) Issue(context.Context, int64, int64) (gitlab.Thread, error) {
	return gitlab.Thread{IID: 1, Title: "Flaky login", Description: "The login test fails.", State: "opened", AuthorUsername: "alice"}, nil
}

func (instantGitLab) ListNotes(context.Context, gitlab.ThreadRef, gitlab.ListNotesOptions) ([]gitlab.Note, error) {
	return []gitlab.Note{{ID: 1, Body: "me too", AuthorUsername: "bob"}}, nil
}

// BenchmarkToolCall: one read_issue call as the CLI makes it, through the helper process and
// the service's socket (bridge), against the same MCP server reached in-process (direct) and
// over the socket without the helper (socket). GitLab answers instantly. p50_ms per call.
func BenchmarkToolCall(b *testing.B) {
	srv, err := mcptools.New(instantGitLab{}, "", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	sc := mcptools.Scope{JobID: 1, ProjectID: 1, ProjectPath: "acme/demo", Tools: mcptools.ReadTools}
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	for _, way := range []string{"direct", "socket", "bridge"} {
		b.Run(way, func(b *testing.B) {
			ctx := context.Background()
			capability, revoke := srv.Grant(sc)
			defer revoke()
			cl := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "1"}, nil)
			var t mcp.Transport
			switch way {
			case "direct":
				ct, st := mcp.NewInMemoryTransports()
				ss, err := mcptools.ToolServerOf(srv, sc).Connect(ctx, st, nil)
				if err != nil {
					b.Fatal(err)
				}
				defer ss.Close()
				t = ct
			case "socket":
				t = socketTransport(b, srv.Socket(), capability)
			case "bridge":
				cmd := exec.Command(exe, mcptools.HelperArg, srv.Socket())
				cmd.Env = []string{mcptools.CapabilityEnv + "=" + capability}
				t = &mcp.CommandTransport{Command: cmd}
			}
			sess, err := cl.Connect(ctx, t, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer sess.Close()
			params := &mcp.CallToolParams{Name: "read_issue", Arguments: map[string]any{"iid": 1}}
			took := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				res, err := sess.CallTool(ctx, params)
				if err != nil || res.IsError {
					b.Fatalf("call: %v %+v", err, res)
				}
				took = append(took, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50_ms")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99_ms")
		})
	}
}

func socketTransport(b *testing.B, socket, capability string) mcp.Transport {
	c, err := dialCapability(socket, capability)
	if err != nil {
		b.Fatal(err)
	}
	return &mcp.IOTransport{Reader: c, Writer: c}
}
