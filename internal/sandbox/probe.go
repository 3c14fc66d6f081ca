package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// probeScript runs inside the sandbox: $1 is DATA_DIR (or empty), $2 the service's pid, $3 the
// name of a variable only the service's environment has (or empty). It prints what it could do
// that it should not, and fails then.
const probeScript = `bad=
echo ok > probe.txt || bad="$bad; cannot write the worktree"
if [ -n "$1" ]; then
  ls "$1" >/dev/null 2>&1 && bad="$bad; can list DATA_DIR"
  ( echo x > "$1/.sandbox-probe" ) 2>/dev/null && bad="$bad; can write DATA_DIR"
fi
if [ -n "$3" ] && tr '\0' '\n' < /proc/$2/environ 2>/dev/null | grep -q "^$3="; then
  bad="$bad; can read the service's environment"
fi
[ -z "$bad" ] && echo SANDBOX-PROBE-OK || { echo "${bad#; }"; exit 1; }`

// Probe builds the sandbox cfg describes and runs a probe inside it: the worktree must be
// writable, DATA_DIR unlistable and unwritable, the service's environment unreadable. mode is
// the mode in use ("" if none could be set up). AGENT_SANDBOX=none is an error: nothing
// confines the agent.
func Probe(ctx context.Context, cfg Config) (mode string, err error) {
	s, err := New(cfg)
	if err != nil {
		return "", err
	}
	if s.Mode() == ModeNone {
		return ModeNone, errors.New("AGENT_SANDBOX=none: the agent runs unconfined and can read the service's secrets; install bubblewrap or set AGENT_USER and AGENT_SANDBOX=user")
	}
	return s.Mode(), s.probe(ctx)
}

func (s *Sandbox) probe(ctx context.Context) error {
	tmp, err := os.MkdirTemp("", "claude-sandbox-probe-")
	if err != nil {
		return fmt.Errorf("sandbox probe: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o711); err != nil { // the user mode's agent must pass through
		return fmt.Errorf("sandbox probe: %w", err)
	}
	dir, home := filepath.Join(tmp, "wt"), filepath.Join(tmp, "home")
	for _, d := range []string{dir, home} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return fmt.Errorf("sandbox probe: %w", err)
		}
	}
	env := []string{"PATH=/usr/bin:/bin", "HOME=" + home}
	r, err := s.Wrap(Command{Path: "/bin/sh", Args: []string{"-c", probeScript, "probe", s.cfg.DataDir,
		fmt.Sprint(os.Getpid()), serviceOnlyVar(env)}, Env: env, Dir: dir, Home: home})
	if err != nil {
		return err
	}
	defer r.Release()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	cmd := execCommand(ctx, r)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if text := strings.TrimSpace(out.String()); err != nil || !strings.Contains(text, "SANDBOX-PROBE-OK") {
		return fmt.Errorf("sandbox %s does not confine as it should: %v: %s", s.mode, err, text)
	}
	return nil
}

// serviceOnlyVar is the name of a variable of the service's environment that the sandboxed
// command does not get, to recognise the service's /proc/<pid>/environ.
func serviceOnlyVar(env []string) string {
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.ContainsFunc(env, func(e string) bool { return strings.HasPrefix(e, name+"=") }) {
			return name
		}
	}
	return ""
}

// execCommand is the confined command of r, with its environment and folder.
func execCommand(ctx context.Context, r *Run) *exec.Cmd {
	cmd := exec.CommandContext(ctx, r.Path, r.Args...)
	cmd.Env, cmd.Dir = r.Env, r.Dir
	return cmd
}
