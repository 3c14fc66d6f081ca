// Package workspace gives each job a git worktree of its project at the right commit, and commits
// and pushes what the agent changed there.
//
// Layout under Config.Dir, one folder per project ID (stable across renames):
//
//	<id>/mirror.git   bare cache: cloned once, fetched afterwards; fetched branches live under
//	                  refs/remotes/origin/, so an agent's local branches never block a fetch
//	<id>/wt/<n>       worktrees: a small pool of warm ones, each used by one job at a time
//	<id>.wiki/…       the same for the project's wiki repository (Project.Wiki)
//	.home             the empty HOME every git command runs with
//
// The GitLab token reaches git only through the environment of the fetch and push commands
// (GIT_CONFIG_COUNT, http.extraHeader): never argv, a file, or the worktree. Every command runs
// with a minimal environment and hooks switched off, because the agent controls the worktree and
// may have written to the shared repository.
package workspace

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// Errors callers decide on. Errors wrap them; test with errors.Is.
var (
	// ErrProtected: GitLab refused the push because the branch is protected.
	ErrProtected = errors.New("branch is protected")
	// ErrStale: the remote branch moved (non-fast-forward, or the lease failed).
	ErrStale = errors.New("remote branch moved")
	// ErrRejected: GitLab refused the push for a rule of its own (a server hook, push rules): a
	// retry would be refused again.
	ErrRejected = errors.New("push rejected by GitLab")
	// ErrAuth: GitLab refused the token (401/403, or no access to the project).
	ErrAuth = errors.New("GitLab refused the token: check it is valid and has write_repository on the project (claude-gitlab doctor)")
	// ErrConflict: RebaseOnto stopped on a conflict; the workspace is as it was before.
	ErrConflict = errors.New("rebase conflict")
	// ErrNothingToCommit: Commit found no change and no commit on top of BaseSHA.
	ErrNothingToCommit = errors.New("nothing to commit")
)

// Config is read once at start.
type Config struct {
	Dir      string        // DATA_DIR/repos
	PoolSize int           // warm worktrees kept per project; default 2
	Token    func() string // current GitLab token, asked per command (rotation); nil: none
	// Env is added to every git command's otherwise empty environment: PATH, proxies, CA files.
	// Pick it with GitEnv(os.Environ()); nothing else of the process environment reaches git.
	Env []string
	Log *slog.Logger
}

// Project is the GitLab project a workspace belongs to.
type Project struct {
	ID       int64
	Path     string // path_with_namespace, for logs
	CloneURL string // http(s) URL without credentials
	Wiki     bool   // the project's wiki repository (<path>.wiki.git): a mirror of its own
}

// key names the project's folder under Config.Dir: its ID, or "<ID>.wiki" for its wiki.
func (p Project) key() string {
	if p.Wiki {
		return strconv.FormatInt(p.ID, 10) + ".wiki"
	}
	return strconv.FormatInt(p.ID, 10)
}

// Manager owns the mirrors and worktree pools under Config.Dir. It assumes it is the only one
// using that folder.
type Manager struct {
	cfg  Config
	git  string // path of the git binary
	home string

	mu       sync.Mutex
	projects map[string]*project // by Project.key
}

// New checks git, prepares Config.Dir and removes worktrees a previous process left behind
// (pools live in memory, so after a crash every worktree on disk is orphaned).
func New(cfg Config) (*Manager, error) {
	if cfg.Dir == "" {
		return nil, errors.New("workspace: Dir is empty")
	}
	if cfg.PoolSize <= 0 {
		cfg.PoolSize = 2
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("workspace: %w", err)
	}
	cfg.Dir = dir
	m := &Manager{cfg: cfg, home: filepath.Join(dir, ".home"), projects: map[string]*project{}}
	if m.git, err = findGit(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(m.home, 0o700); err != nil {
		return nil, fmt.Errorf("workspace: data dir not writable: %w", err)
	}
	if err := m.removeLeftovers(); err != nil {
		return nil, err
	}
	return m, nil
}

// project returns the state of a project, created on first use.
func (m *Manager) project(p Project) *project {
	m.mu.Lock()
	defer m.mu.Unlock()
	pr, ok := m.projects[p.key()]
	if !ok {
		dir := filepath.Join(m.cfg.Dir, p.key())
		pr = &project{m: m, dir: dir, mirror: filepath.Join(dir, "mirror.git"), lock: make(chan struct{}, 1)}
		m.projects[p.key()] = pr
	}
	return pr
}

func (p Project) validate() error {
	u, err := url.Parse(p.CloneURL)
	switch {
	case err != nil:
		return fmt.Errorf("clone URL of %s: %w", p.Path, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("clone URL of %s: want http(s), got %q", p.Path, u.Scheme)
	case u.User != nil:
		// Credentials in the URL would land in the mirror's config and in error texts.
		return fmt.Errorf("clone URL of %s carries credentials: pass the token through Config.Token", p.Path)
	case p.ID <= 0:
		return fmt.Errorf("project %s: no ID", p.Path)
	}
	return nil
}
