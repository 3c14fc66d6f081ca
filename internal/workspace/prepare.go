package workspace

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Workspace is one job's worktree. It is used by one job only, and must be given back with
// Release (or Remove) when the job ends.
type Workspace struct {
	Dir string // the worktree; give it to the agent
	// BaseSHA is the commit the job started from; after RebaseOnto, the branch's new tip.
	BaseSHA string

	t      *tree
	pr     Project
	nested map[string]bool // folders that held a .git the agent made: never committed
	done   sync.Once
}

// Prepare returns a worktree of project p at ref: a branch name, a commit SHA, a full ref such as
// refs/merge-requests/<iid>/head, or "" for the default branch. It fetches first (cloning the
// mirror the first time), takes a warm worktree from the pool or adds one, and leaves it at ref's
// commit, detached, with no other file in it.
func (m *Manager) Prepare(ctx context.Context, p Project, ref string) (*Workspace, error) {
	if err := errors.Join(p.validate(), checkRef(ref)); err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	start := time.Now()
	t, sha, fresh, err := m.project(p).checkout(ctx, p, ref)
	if err != nil {
		return nil, fmt.Errorf("prepare %s at %q: %w", p.Path, ref, err)
	}
	if err := t.moveTo(ctx, sha); err != nil {
		if rerr := t.remove(); rerr != nil {
			m.cfg.Log.Error("workspace: remove failed worktree", "project", p.Path, "dir", t.dir, "err", rerr)
		}
		return nil, fmt.Errorf("prepare %s at %q: %w", p.Path, ref, err)
	}
	m.cfg.Log.Debug("workspace: prepared", "project", p.Path, "ref", ref, "sha", sha, "dir", t.dir,
		"warm", !fresh, "took", time.Since(start))
	return &Workspace{Dir: t.dir, BaseSHA: sha, t: t, pr: p, nested: map[string]bool{}}, nil
}

// checkout is the part of Prepare that needs the mirror lock: fetch, resolve, pick a worktree.
func (p *project) checkout(ctx context.Context, pr Project, ref string) (*tree, string, bool, error) {
	if err := p.acquire(ctx); err != nil {
		return nil, "", false, err
	}
	defer p.release()
	sha, err := p.sync(ctx, pr, ref)
	if err != nil {
		return nil, "", false, err
	}
	t, fresh, err := p.take(ctx, sha)
	return t, sha, fresh, err
}

// Release gives the worktree back to the pool, reset and cleaned, or removes it if the pool is
// full or it cannot be cleaned. Either way nothing the job wrote stays. Safe to call twice.
func (w *Workspace) Release() {
	w.done.Do(func() {
		log := w.t.p.m.cfg.Log
		// The job's context may be gone by now; cleaning up must still happen.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		err := errors.Join(w.t.p.pinConfig(w.pr), w.sweep())
		if err == nil {
			err = w.t.reset(ctx)
		}
		if err == nil && w.t.p.put(w.t) {
			return
		}
		if err != nil {
			log.Warn("workspace: worktree not reusable, removing it", "project", w.pr.Path, "dir", w.Dir, "err", err)
		}
		if err := w.t.remove(); err != nil {
			log.Error("workspace: remove worktree", "project", w.pr.Path, "dir", w.Dir, "err", err)
		}
	})
}

// Remove deletes the worktree instead of returning it to the pool. Safe to call twice, and
// after Release.
func (w *Workspace) Remove() error {
	var err error
	w.done.Do(func() { err = w.t.remove() })
	return err
}
