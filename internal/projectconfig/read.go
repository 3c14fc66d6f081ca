package projectconfig

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
)

// ClaudeMD is the project's guidance for the prompt, read like the settings file.
const ClaudeMD = "CLAUDE.md"

// maxCached bounds the cache; past it the cache starts over.
const maxCached = 1024

// RawFiles reads a file of a project at a ref (gitlab.Client); gitlab.ErrNotFound and
// gitlab.ErrForbidden say the file is absent or hidden from the bot.
type RawFiles interface {
	RawFile(ctx context.Context, projectID int64, path, ref string) ([]byte, error)
}

// Found is one read of a file of the default branch: which path held it and its bytes, or none.
type Found struct {
	Path      string
	Data      []byte
	Forbidden bool // GitLab would not let the bot read it
}

// Key names a file of a project's default branch at one commit.
type Key struct {
	Project int64
	Commit  string // "": unknown, read from the branch and never cached
	Name    string // "" for the settings file; ClaudeMD
}

// Cache keeps what the project's settings file (and CLAUDE.md) held at a default-branch commit,
// so a job on an unchanged default branch reads it with no API call (GitLab.com limits the API
// per endpoint; a project without the file costs two 404s on every job otherwise). It is shared
// by the runners of all jobs; a nil cache reads the file every time.
type Cache struct {
	mu      sync.Mutex
	entries map[Key]Found
}

// NewCache returns an empty cache.
func NewCache() *Cache {
	return &Cache{entries: map[Key]Found{}}
}

func (c *Cache) get(k Key) (Found, bool) {
	if c == nil {
		return Found{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.entries[k]
	return f, ok
}

func (c *Cache) put(k Key, f Found) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxCached {
		c.entries = map[Key]Found{}
	}
	c.entries[k] = f
}

// at is what read finds on the default branch: at k's commit once per commit when the commit
// is known (the cache answers while the branch stays), at the branch itself otherwise.
func (c *Cache) at(ctx context.Context, k Key, branch string, read func(ctx context.Context, ref string) (Found, error)) (Found, error) {
	if f, ok := c.get(k); ok {
		return f, nil
	}
	ref := branch
	if k.Commit != "" {
		ref = k.Commit
	}
	f, err := read(ctx, ref)
	if err != nil {
		return Found{}, err
	}
	if k.Commit != "" {
		c.put(k, f)
	}
	return f, nil
}

// Settings reads the project's settings file from its default branch, never from a branch a
// contributor controls: the first of Paths present at commit (or, when "", at branch).
func (c *Cache) Settings(ctx context.Context, files RawFiles, project int64, branch, commit string) (Found, error) {
	return c.at(ctx, Key{Project: project, Commit: commit}, branch, func(ctx context.Context, ref string) (Found, error) {
		return readSettings(ctx, files, project, ref)
	})
}

// ClaudeMD reads the CLAUDE.md at the root of the project's default branch, like the settings
// file; absent or hidden, it is empty.
func (c *Cache) ClaudeMD(ctx context.Context, files RawFiles, project int64, branch, commit string) (Found, error) {
	return c.at(ctx, Key{Project: project, Commit: commit, Name: ClaudeMD}, branch, func(ctx context.Context, ref string) (Found, error) {
		data, err := files.RawFile(ctx, project, ClaudeMD, ref)
		switch {
		case errors.Is(err, gitlab.ErrNotFound), errors.Is(err, gitlab.ErrForbidden):
			data = nil
		case err != nil:
			return Found{}, fmt.Errorf("read %s on %s: %w", ClaudeMD, branch, err)
		}
		return Found{Path: ClaudeMD, Data: data}, nil
	})
}

// readSettings reads the first settings path present at ref (a commit or the branch).
func readSettings(ctx context.Context, files RawFiles, project int64, ref string) (Found, error) {
	for _, path := range Paths {
		data, err := files.RawFile(ctx, project, path, ref)
		switch {
		case errors.Is(err, gitlab.ErrNotFound):
			continue
		case errors.Is(err, gitlab.ErrForbidden):
			return Found{Path: path, Forbidden: true}, nil
		case err != nil:
			return Found{}, fmt.Errorf("read %s: %w", path, err)
		}
		return Found{Path: path, Data: data}, nil
	}
	return Found{}, nil
}
