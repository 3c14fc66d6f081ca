package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/redact"
)

// pidFile is where serve writes its process id, so that rotate-token can find it.
const pidFile = "claude-gitlab.pid"

// tokenReloader re-reads the GitLab token on SIGHUP: rotate-token writes the new one and signals,
// and jobs in flight carry on (every GitLab call and git command asks the holder for the token).
type tokenReloader struct {
	token    *config.Token
	redactor *redact.Redactor // may be nil; the new value must never reach a comment
	gl       *gitlab.Client
	log      *slog.Logger
}

// start installs the SIGHUP handler and writes the PID file (in that order: a signal sent after
// the file exists must not kill the process). The returned stop removes both.
func (r *tokenReloader) start(ctx context.Context, dataDir string) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	path := filepath.Join(dataDir, pidFile)
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		r.log.Warn("cannot write the PID file; rotate-token will not find this process (send SIGHUP yourself)", "path", path, "error", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				r.reload(ctx)
			}
		}
	}()
	return func() {
		cancel()
		<-done
		signal.Stop(hup)
		removeOwnPIDFile(path)
	}
}

func (r *tokenReloader) reload(ctx context.Context) {
	changed, err := r.token.Reload()
	if err != nil {
		r.log.Error("token not reloaded; keeping the old one", "error", err)
		return
	}
	if !changed {
		r.log.Info("SIGHUP: the token is unchanged")
		return
	}
	if r.redactor != nil {
		r.redactor.Add(r.token.Get())
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	u, err := r.gl.CurrentUser(ctx)
	if err != nil {
		r.log.Error("token reloaded, but GitLab refuses it; check GITLAB_TOKEN", "error", err)
		return
	}
	r.log.Info("token reloaded", "username", u.Username)
}

// removeOwnPIDFile removes the file only if it still names this process: a second serve on
// the same DATA_DIR may have replaced it.
func removeOwnPIDFile(path string) {
	if pid, err := readPID(path); err == nil && pid == os.Getpid() {
		os.Remove(path)
	}
}

func readPID(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// signalServe sends SIGHUP to the serve process named in DATA_DIR's PID file. pid 0 means no
// running serve. A stale file naming some other program is left alone: SIGHUP would kill it.
func signalServe(dataDir string) (int, error) {
	path := filepath.Join(dataDir, pidFile)
	pid, err := readPID(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", path, err)
	}
	if !isClaudeGitLab(pid) {
		return 0, nil
	}
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return 0, nil
		}
		return 0, fmt.Errorf("signal pid %d: %w", pid, err)
	}
	return pid, nil
}

// isClaudeGitLab checks that pid runs this program, where /proc tells; elsewhere it trusts that
// the process exists.
func isClaudeGitLab(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return true
	}
	return strings.Contains(string(cmdline), "claude-gitlab")
}

// newTokenHolder holds serve's token. It reloads from the process environment and the .env file
// that was read at start, the same sources in the same order.
func newTokenHolder(cfg config.Config) *config.Token {
	return config.NewToken(cfg, os.LookupEnv, cfg.EnvFile)
}
