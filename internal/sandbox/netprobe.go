package sandbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// NetProbeArg starts the service's binary as the network probe inside a sandbox (doctor):
// `claude-gitlab __sandbox-netprobe LOOPBACK MODELURL HASH...` tries the service's loopback
// listener LOOPBACK, looks for a value whose SHA-256 is one of HASH in every environment and
// command line it can read, and asks the model proxy at MODELURL whether it answers.
const NetProbeArg = "__sandbox-netprobe"

// PingPath is what the egress answers itself (no upstream request) for a run's credential.
const PingPath = "/_claude-gitlab/ping"

// Egress is a run's way out for ProbeNetwork: its socket, the address of the bridge inside and
// the environment the CLI gets (the run's credential).
type Egress struct {
	Socket, Addr string
	Env          []string
}

// ProbeNetwork runs the network probe inside the sandbox cfg describes, with the egress e:
// the service's loopback must be out of reach, none of secrets readable, the model proxy must
// answer. AGENT_NETWORK=full (or AGENT_SANDBOX=none) is an error: nothing confines the network.
func ProbeNetwork(ctx context.Context, cfg Config, e Egress, secrets []string) error {
	s, err := New(cfg)
	if err != nil {
		return err
	}
	if s.Network() == NetworkFull {
		return errors.New("AGENT_NETWORK=full (or AGENT_SANDBOX=none): the agent reaches what this host reaches, cloud metadata and internal services included")
	}
	ln, err := hostListener(e.Addr)
	if err != nil {
		return fmt.Errorf("network probe: %w", err)
	}
	var reached atomic.Int32
	var accepting sync.WaitGroup
	accepting.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			reached.Add(1)
			c.Close()
		}
	})
	defer accepting.Wait()
	defer ln.Close()
	args := []string{NetProbeArg, ln.Addr().String(), "http://" + e.Addr + PingPath}
	for _, v := range secrets {
		if v != "" {
			sum := sha256.Sum256([]byte(v))
			args = append(args, hex.EncodeToString(sum[:]))
		}
	}
	out, err := s.runProbe(ctx, s.bridge, args, e)
	if n := reached.Load(); n > 0 {
		return fmt.Errorf("the sandbox reached the service's loopback listener (%d connections): %s", n, out)
	}
	if err != nil || !strings.Contains(out, "NET-PROBE-OK") {
		return fmt.Errorf("the network probe failed: %v: %s", err, out)
	}
	return nil
}

// hostListener listens on a loopback port of the host other than inside's: the bridge listens on
// that address inside the run's namespace, and a host listener that happened to get the same
// port would make the probe's dial look like a breach.
func hostListener(inside string) (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil || ln.Addr().String() != inside {
		return ln, err
	}
	other, err := net.Listen("tcp", "127.0.0.1:0") // while the first still holds inside's port
	ln.Close()
	return other, err
}

// runProbe runs a command in a throw-away worktree and HOME inside the sandbox.
func (s *Sandbox) runProbe(ctx context.Context, path string, args []string, e Egress) (string, error) {
	tmp, err := os.MkdirTemp("", "claude-sandbox-netprobe-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o711); err != nil {
		return "", err
	}
	dir, home := filepath.Join(tmp, "wt"), filepath.Join(tmp, "home")
	for _, d := range []string{dir, home} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return "", err
		}
	}
	if s.mode == ModeUser { // the agent's user may not reach the service's binary where it is
		if path, err = copyExecutable(path, filepath.Join(tmp, "netprobe")); err != nil {
			return "", err
		}
	}
	env := append([]string{"PATH=/usr/bin:/bin", "HOME=" + home}, e.Env...)
	r, err := s.Wrap(Command{Path: path, Args: args, Env: env, Dir: dir, Home: home, Egress: e.Socket, EgressAddr: e.Addr})
	if err != nil {
		return "", err
	}
	defer r.Release()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	cmd := execCommand(ctx, r)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	return strings.TrimSpace(out.String()), err
}

// netProbe is the probe's side inside the sandbox; it prints what it could do that it should
// not, and NET-PROBE-OK when nothing.
func netProbe(args []string) int {
	if len(args) < 2 {
		fmt.Println("usage: " + NetProbeArg + " LOOPBACK MODELURL HASH...")
		return 2
	}
	var bad []string
	if c, err := net.DialTimeout("tcp", args[0], 3*time.Second); err == nil {
		c.Close()
		bad = append(bad, "reached the service's loopback listener "+args[0])
	}
	if where := findHashes(args[2:]); where != "" {
		bad = append(bad, "can read the real credential in "+where)
	}
	if err := ping(args[1]); err != nil {
		bad = append(bad, "the model proxy does not answer: "+err.Error())
	}
	if len(bad) > 0 {
		fmt.Println(strings.Join(bad, "; "))
		return 1
	}
	fmt.Println("NET-PROBE-OK")
	return 0
}

func ping(url string) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if k := os.Getenv("ANTHROPIC_API_KEY"); k != "" {
		req.Header.Set("X-Api-Key", k)
	}
	for _, name := range []string{"ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN"} {
		if k := os.Getenv(name); k != "" {
			req.Header.Set("Authorization", "Bearer "+k)
		}
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d %s", resp.StatusCode, bytes.TrimSpace(body))
	}
	return nil
}

// findHashes names where a value with one of the SHA-256 hashes appears: the process's own
// environment, any readable /proc/*/environ or cmdline.
func findHashes(hashes []string) string {
	if len(hashes) == 0 {
		return ""
	}
	want := map[string]bool{}
	for _, h := range hashes {
		want[h] = true
	}
	sources := map[string][]byte{"own environment": []byte(strings.Join(os.Environ(), "\x00"))}
	for _, pattern := range []string{"/proc/[0-9]*/environ", "/proc/[0-9]*/cmdline"} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			if data, err := os.ReadFile(p); err == nil {
				sources[p] = data
			}
		}
	}
	for where, data := range sources {
		for _, f := range strings.FieldsFunc(string(data), func(r rune) bool { return r == 0 || r == '=' || r == ' ' || r == '\n' }) {
			sum := sha256.Sum256([]byte(f))
			if want[hex.EncodeToString(sum[:])] {
				return where
			}
		}
	}
	return ""
}

func copyExecutable(src, dst string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o755)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return "", err
	}
	return dst, out.Close()
}
