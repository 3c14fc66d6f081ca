package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/mcptools"
)

// The built binary is the GitLab tools' helper when the CLI starts it so, before anything of the
// service (no .env, no settings): it relays an MCP session to the service's socket, and it
// holds nothing but the capability it was given.
func TestBinaryIsTheToolsHelper(t *testing.T) {
	bin := binary(t)
	g, token := testGitLab(t)
	proj := g.AddProject("acme/demo", "main", map[string]string{"README.md": "# demo\n"})
	g.SetPublic(proj.ID, true) // the bot of testGitLab reads it as any signed-in user
	alice := g.AddUser("alice", "Alice", false)
	g.CreateIssue(proj.ID, alice.ID, "Through the binary", "relayed", false)
	gl, err := gitlab.New(gitlab.Config{BaseURL: g.URL(), Token: func() string { return token }, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mcptools.New(gl, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	capability, revoke := srv.Grant(mcptools.Scope{JobID: 1, ProjectID: proj.ID, ProjectPath: "acme/demo", Tools: mcptools.ReadTools})
	defer revoke()

	cmd := exec.Command(bin, mcptools.HelperArg, srv.Socket())
	cmd.Dir = t.TempDir() // no .env here, and none is read
	cmd.Env = []string{mcptools.CapabilityEnv + "=" + capability}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sess, err := mcp.NewClient(&mcp.Implementation{Name: "cli", Version: "1"}, nil).Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	res, err := sess.CallTool(ctx, &mcp.CallToolParams{Name: "search", Arguments: map[string]any{"text": "binary"}})
	if err != nil || res.IsError {
		t.Fatalf("search through the binary: %v %+v", err, res)
	}
	if text := res.Content[0].(*mcp.TextContent).Text; !strings.Contains(text, "Through the binary") {
		t.Errorf("search: %s", text)
	}

	out, err := exec.Command(bin, mcptools.HelperArg, srv.Socket()).CombinedOutput()
	if err == nil || !strings.Contains(string(out), mcptools.CapabilityEnv+" is not set") {
		t.Errorf("without a capability the helper said %q (%v)", out, err)
	}
}
