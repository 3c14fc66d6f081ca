package workspace

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/redact"
)

// safeConfig goes on every command line. Command-line configuration beats the repository's
// config, which an agent can write: these are the keys that make git run a program or ask for
// credentials, or that would make a commit fail for reasons of the agent's making.
var safeConfig = []string{
	"-c", "core.hooksPath=/dev/null",
	"-c", "core.fsmonitor=false",
	"-c", "core.askPass=",
	"-c", "credential.helper=",
	"-c", "commit.gpgSign=false",
	"-c", "tag.gpgSign=false",
	"-c", "protocol.allow=never",
	"-c", "protocol.http.allow=always",
	"-c", "protocol.https.allow=always",
	"-c", "submodule.recurse=false",
}

// gitCmd is one git invocation.
type gitCmd struct {
	args   []string // after git and safeConfig
	dir    string   // working directory
	env    []string // GIT_DIR and friends, identities
	stdin  string
	stdout io.Writer // default: captured and returned
	auth   string    // clone URL to send the token to; empty: no token
}

// result is what a command printed, already redacted.
type result struct {
	stdout, stderr string
}

// run runs git. On error the text carries the subcommand and the tail of stderr, never the token.
func (m *Manager) run(ctx context.Context, c gitCmd) (result, error) {
	env, secret := m.env(c)
	red := redact.New(secret...)
	args := append([]string{}, safeConfig...)
	if hardened {
		args = append(args, hardConfig...)
	}
	args = append(args, c.args...)
	cmd := exec.CommandContext(ctx, m.git, args...)
	cmd.Dir = c.dir
	cmd.Env = env
	cmd.Stdin = strings.NewReader(c.stdin)
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	if c.stdout != nil {
		cmd.Stdout = c.stdout
	}
	cmd.Stderr = &limitedBuffer{max: 64 << 10, buf: &errb}
	killGroup(cmd)
	// Helpers git started may hold the pipes open after a kill; do not wait on them forever.
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	res := result{stdout: red.Redact(out.String()), stderr: red.Redact(errb.String())}
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return res, fmt.Errorf("git %s: %w%s", subcommand(c.args), err, tail(res.stderr))
	}
	return res, nil
}

// env is the whole environment of a git command: nothing of ours is inherited. The second value
// lists the secrets in it, for redaction.
func (m *Manager) env(c gitCmd) ([]string, []string) {
	env := append([]string{}, m.cfg.Env...)
	env = append(env,
		"HOME="+m.home, // no ~/.gitconfig, ~/.netrc or ~/.config/git of the service user
		"XDG_CONFIG_HOME="+m.home,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_SYSTEM=/dev/null",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_ATTR_NOSYSTEM=1",
		"GIT_TERMINAL_PROMPT=0",
		"GIT_EDITOR=true",
		"GIT_PAGER=cat",
		"GIT_NO_REPLACE_OBJECTS=1", // refs/replace would swap what a commit holds
		"GIT_ALLOW_PROTOCOL=http:https",
		"LC_ALL=C", // English messages: Push decides on their text
		"LANGUAGE=C",
	)
	env = append(env, c.env...)
	token := ""
	if c.auth != "" && m.cfg.Token != nil {
		token = m.cfg.Token()
	}
	if token == "" {
		return append(env, "GIT_CONFIG_COUNT=0"), nil
	}
	basic := base64.StdEncoding.EncodeToString([]byte("oauth2:" + token))
	// Scoped to the GitLab origin: a redirect or URL rewrite to another host gets no header.
	env = append(env,
		"GIT_CONFIG_COUNT=1",
		"GIT_CONFIG_KEY_0=http."+originOf(c.auth)+".extraHeader",
		"GIT_CONFIG_VALUE_0=Authorization: Basic "+basic,
	)
	return env, []string{token, basic}
}

// originOf is scheme://host[:port]/ of an http(s) URL already validated.
func originOf(raw string) string {
	i := strings.Index(raw, "://")
	rest := raw[i+3:]
	if j := strings.IndexByte(rest, '/'); j >= 0 {
		rest = rest[:j]
	}
	return raw[:i+3] + rest + "/"
}

// subcommand names a command in an error: "checkout", not its options.
func subcommand(args []string) string {
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == "-c":
			i++
		case !strings.HasPrefix(args[i], "-"):
			return args[i]
		}
	}
	return "?"
}

// tail is the end of stderr on one line, for an error text.
func tail(stderr string) string {
	var lines []string
	for _, l := range strings.Split(stderr, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	s := strings.Join(lines, "; ")
	if s == "" {
		return ""
	}
	if len(s) > 2000 {
		s = "…" + s[len(s)-2000:]
	}
	return ": " + s
}

// limitedBuffer keeps the first max bytes and drops the rest, so a chatty command cannot grow
// memory without bound.
type limitedBuffer struct {
	max       int
	buf       *bytes.Buffer
	truncated bool
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room < len(p) {
		l.truncated = true
		if room > 0 {
			l.buf.Write(p[:room])
		}
		return len(p), nil
	}
	return l.buf.Write(p)
}

// findGit finds git and checks it reads GIT_CONFIG_COUNT (2.31) and GIT_CONFIG_GLOBAL (2.32):
// an older git would ignore them, so fetches would fail and ~/.gitconfig would be read.
func findGit() (string, error) {
	path, err := exec.LookPath("git")
	if err != nil {
		return "", fmt.Errorf("workspace: git not found on PATH: install git 2.32 or newer: %w", err)
	}
	out, err := exec.Command(path, "version").Output()
	if err != nil {
		return "", fmt.Errorf("workspace: git version: %w", err)
	}
	if !atLeast(string(out), 2, 32) {
		return "", fmt.Errorf("workspace: %s is too old: install git 2.32 or newer", strings.TrimSpace(string(out)))
	}
	return path, nil
}

// atLeast parses "git version 2.39.5" (vendors append their own suffixes).
func atLeast(version string, major, minor int) bool {
	f := strings.Fields(version)
	if len(f) < 3 {
		return false
	}
	parts := strings.SplitN(f[2], ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err := errors.Join(err1, err2); err != nil {
		return false
	}
	return ma > major || ma == major && mi >= minor
}

// redactor strips the current token from text that leaves the package.
func (m *Manager) redactor() *redact.Redactor {
	if m.cfg.Token == nil {
		return redact.New()
	}
	token := m.cfg.Token()
	return redact.New(token, base64.StdEncoding.EncodeToString([]byte("oauth2:"+token)))
}
