package job

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/projectconfig"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

// maxCachedSettings bounds the settings-file cache; past it the cache starts over.
const maxCachedSettings = 1024

// SettingsCache keeps what the project's settings file held at a default-branch commit, so a job
// on an unchanged default branch reads it with no API call (GitLab.com limits the API per
// endpoint; a project without the file costs two 404s on every job otherwise). It is shared by
// the runners of all jobs; a nil cache reads the file every time.
type SettingsCache struct {
	mu      sync.Mutex
	entries map[settingsKey]settingsFile
}

type settingsKey struct {
	project int64
	commit  string
	name    string // "" for the settings file; "CLAUDE.md" (claudemd.go)
}

// settingsFile is one read of the settings file: which path held it and its bytes, or none.
type settingsFile struct {
	path      string
	data      []byte
	forbidden bool // GitLab would not let the bot read it
}

// NewSettingsCache returns an empty cache.
func NewSettingsCache() *SettingsCache {
	return &SettingsCache{entries: map[settingsKey]settingsFile{}}
}

func (c *SettingsCache) get(k settingsKey) (settingsFile, bool) {
	if c == nil {
		return settingsFile{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.entries[k]
	return f, ok
}

func (c *SettingsCache) put(k settingsKey, f settingsFile) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxCachedSettings {
		c.entries = map[settingsKey]settingsFile{}
	}
	c.entries[k] = f
}

// remoteHeads is what Workspaces may offer: the commit a branch points at on the server.
type remoteHeads interface {
	RemoteHead(ctx context.Context, p workspace.Project, branch string) (string, error)
}

// defaultBranchCommit is the default branch's commit on the server, or "" when it cannot be had
// cheaply (no project read yet is made for it: the job reads the project once anyway).
func (r *Runner) defaultBranchCommit(ctx context.Context, j *job, branch string) string {
	if j.defaultCommit != nil {
		return *j.defaultCommit // asked once per job: the settings file and CLAUDE.md both need it
	}
	sha := r.lookupDefaultBranchCommit(ctx, j, branch)
	j.defaultCommit = &sha
	return sha
}

func (r *Runner) lookupDefaultBranchCommit(ctx context.Context, j *job, branch string) string {
	rh, ok := r.Workspaces.(remoteHeads)
	if !ok || r.SettingsCache == nil {
		return ""
	}
	if err := r.readProject(ctx, j); err != nil {
		return ""
	}
	sha, err := rh.RemoteHead(ctx, wsProject(j.project), branch)
	if err != nil {
		j.log.Debug("job: default branch commit unknown; reading the settings file", "err", r.redact(err.Error()))
		return ""
	}
	return sha
}

// readSettingsFile reads the first settings path present at ref (a commit or the branch).
func (r *Runner) readSettingsFile(ctx context.Context, j *job, ref string) (settingsFile, error) {
	for _, path := range projectconfig.Paths {
		data, err := r.GitLab.RawFile(ctx, j.req.Project.ID, path, ref)
		switch {
		case errors.Is(err, gitlab.ErrNotFound):
			continue
		case errors.Is(err, gitlab.ErrForbidden):
			return settingsFile{path: path, forbidden: true}, nil
		case err != nil:
			return settingsFile{}, fmt.Errorf("read %s: %w", path, err)
		}
		return settingsFile{path: path, data: data}, nil
	}
	return settingsFile{}, nil
}
