package mcptools

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
)

// HelperArg is the first argument that starts the service's binary as the tools' helper: the
// CLI starts `claude-gitlab __mcp-gitlab SOCKET` over stdio (from --mcp-config) inside the
// sandbox; the helper presents the job's capability (CapabilityEnv) on the socket and then
// copies bytes both ways. It holds nothing but the capability.
const HelperArg = "__mcp-gitlab"

// CapabilityEnv carries the job's capability to the helper, through the MCP config file.
const CapabilityEnv = "CLAUDE_GITLAB_TOOLS_CAPABILITY"

// RunHelperIfAsked turns the process into the helper when started as one, and never returns
// then. main (and the TestMain of packages that run it) calls it first.
func RunHelperIfAsked() {
	if len(os.Args) < 2 || os.Args[1] != HelperArg {
		return
	}
	if err := helper(os.Args[2:], os.Getenv(CapabilityEnv), os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "claude-gitlab GitLab tools:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func helper(args []string, capability string, stdin io.Reader, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: " + HelperArg + " SOCKET (with " + CapabilityEnv + " set)")
	}
	if capability == "" {
		return errors.New(CapabilityEnv + " is not set")
	}
	c, err := net.Dial("unix", args[0])
	if err != nil {
		return fmt.Errorf("reach the service's socket: %w", err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "capability "+capability+"\n"); err != nil {
		return fmt.Errorf("present the capability: %w", err)
	}
	go func() { // the process ends when the service's side does; this copy dies with it
		_, _ = io.Copy(c, stdin)
		if uc, ok := c.(*net.UnixConn); ok {
			_ = uc.CloseWrite()
		}
	}()
	br := bufio.NewReader(c)
	if first, err := br.Peek(len("refused")); err == nil && string(first) == "refused" {
		line, _ := br.ReadString('\n')
		return errors.New(strings.TrimSpace(line))
	}
	_, err = io.Copy(stdout, br)
	return err
}

// Config is the --mcp-config file that makes the CLI start the helper: our binary, the socket
// and the capability; nothing else of the service.
func Config(binary, socket, capability string) ([]byte, error) {
	return json.MarshalIndent(map[string]any{"mcpServers": map[string]any{ServerName: map[string]any{
		"type": "stdio", "command": binary, "args": []string{HelperArg, socket},
		"env": map[string]string{CapabilityEnv: capability},
	}}}, "", "  ")
}
