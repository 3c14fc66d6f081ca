package workspace

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// project is one project's mirror and worktree pool.
type project struct {
	m      *Manager
	dir    string        // <Dir>/<id>
	mirror string        // <Dir>/<id>/mirror.git
	lock   chan struct{} // held around every command that writes the mirror's shared state

	mu   sync.Mutex // guards idle and next
	idle []*tree    // clean worktrees, most recently used last
	next int        // number of the next worktree folder
}

// acquire takes the mirror lock, giving up when ctx ends: a long fetch of another job must not
// hold a cancelled one.
func (p *project) acquire(ctx context.Context) error {
	select {
	case p.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *project) release() { <-p.lock }

// mirrorCmd runs git in the bare mirror.
func (p *project) mirrorCmd(ctx context.Context, c gitCmd) (result, error) {
	c.dir = p.mirror
	c.env = append(c.env, "GIT_DIR="+p.mirror)
	return p.m.run(ctx, c)
}

// sync brings the mirror up to date for ref and returns the commit ref names. The caller holds
// the lock.
func (p *project) sync(ctx context.Context, pr Project, ref string) (string, error) {
	if err := p.ensureMirror(ctx, pr); err != nil {
		return "", err
	}
	if isSHA(ref) {
		if sha, err := p.resolve(ctx, ref); err == nil {
			return sha, nil // already here: no round trip
		}
	}
	local, specs := refspecs(ref)
	if err := p.fetch(ctx, pr, specs...); err != nil {
		return "", err
	}
	sha, err := p.resolve(ctx, local)
	if err != nil && isSHA(ref) {
		// Not reachable from a branch: ask for the commit itself (GitLab allows it).
		if err := p.fetch(ctx, pr, ref); err != nil {
			return "", err
		}
		sha, err = p.resolve(ctx, ref)
	}
	return sha, err
}

// headsSpec keeps every branch under refs/remotes/origin/: the agent can diff against
// origin/main, and a local branch it checks out never makes a later fetch refuse to update it.
const headsSpec = "+refs/heads/*:refs/remotes/origin/*"

// refspecs says what to fetch for ref and which local ref then names it.
func refspecs(ref string) (local string, specs []string) {
	switch {
	case isSHA(ref):
		return ref, []string{headsSpec}
	case ref == "" || ref == "HEAD":
		return "refs/fetched/HEAD", []string{headsSpec, "+HEAD:refs/fetched/HEAD"}
	case strings.HasPrefix(ref, "refs/heads/"):
		return "refs/remotes/origin/" + strings.TrimPrefix(ref, "refs/heads/"), []string{headsSpec}
	case strings.HasPrefix(ref, "refs/"):
		// refs/merge-requests/<iid>/head and the like: outside refs/heads, fetched by name.
		local = "refs/fetched/" + strings.TrimPrefix(ref, "refs/")
		return local, []string{headsSpec, "+" + ref + ":" + local}
	default:
		return "refs/remotes/origin/" + ref, []string{headsSpec}
	}
}

func (p *project) fetch(ctx context.Context, pr Project, specs ...string) error {
	if err := p.pinConfig(pr); err != nil {
		return err
	}
	args := append([]string{"fetch", "--quiet", "--prune", "--no-tags", "--no-write-fetch-head",
		"--no-auto-gc", "--no-recurse-submodules", pr.CloneURL}, specs...)
	if _, err := p.mirrorCmd(ctx, gitCmd{args: args, auth: pr.CloneURL}); err != nil {
		return classify(err)
	}
	// Housekeeping without the token in its environment: git may detach it into the background.
	if _, err := p.mirrorCmd(ctx, gitCmd{args: []string{"gc", "--auto", "--quiet"}}); err != nil {
		p.m.cfg.Log.Warn("workspace: gc", "project", pr.Path, "err", err)
	}
	return nil
}

func (p *project) resolve(ctx context.Context, ref string) (string, error) {
	res, err := p.mirrorCmd(ctx, gitCmd{args: []string{"rev-parse", "--verify", "--quiet", "--end-of-options", ref + "^{commit}"}})
	if err != nil {
		return "", fmt.Errorf("no branch or commit %q on the server", ref)
	}
	return strings.TrimSpace(res.stdout), nil
}

// ensureMirror creates the bare mirror on first use; the first fetch then is the clone.
func (p *project) ensureMirror(ctx context.Context, pr Project) error {
	if _, err := os.Stat(filepath.Join(p.mirror, "HEAD")); err == nil {
		return nil
	}
	// A half-made mirror from a crash is not worth repairing.
	if err := removeTree(p.mirror); err != nil {
		return err
	}
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return err
	}
	// No template: no sample hooks, nothing but what git needs.
	if _, err := p.m.run(ctx, gitCmd{args: []string{"init", "--quiet", "--bare", "--template=", p.mirror}, dir: p.dir}); err != nil {
		return err
	}
	p.m.cfg.Log.Info("workspace: new mirror", "project", pr.Path, "dir", p.mirror)
	os.Remove(filepath.Join(p.mirror, "config")) // replaced by ours, without a warning
	return p.pinConfig(pr)
}

// pinConfig writes the mirror's config as we want it. Every worktree shares this file and the
// agent can write it: url.*.insteadOf, http.proxy or an include would send the token elsewhere,
// and a filter or fsmonitor would run a program of its choosing in our commands. So it is put
// back before each command that matters.
func (p *project) pinConfig(pr Project) error {
	want := []byte("[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n" +
		"[remote \"origin\"]\n\turl = " + quoteConfig(pr.CloneURL) + "\n\tfetch = " + headsSpec + "\n")
	// Also shared and writable by the agent: patterns that would hide its files from Commit, and
	// grafts that would rewrite history. We never create them.
	for _, name := range []string{"exclude", "attributes", "grafts"} {
		os.Remove(filepath.Join(p.mirror, "info", name))
	}
	path := filepath.Join(p.mirror, "config")
	if got, err := os.ReadFile(path); err == nil && bytes.Equal(got, want) {
		return nil
	} else if err == nil {
		p.m.cfg.Log.Warn("workspace: mirror config was changed, restoring it", "project", pr.Path)
	}
	tmp, err := os.CreateTemp(p.mirror, "config.pin-*")
	if err != nil {
		return fmt.Errorf("pin config: %w", err)
	}
	_, err = tmp.Write(want)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path) // atomic: a concurrent git reads old or new, never half
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("pin config: %w", err)
	}
	return nil
}

// quoteConfig quotes a value for a git config file (';' and '#' would start a comment).
func quoteConfig(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}

func isSHA(ref string) bool {
	if len(ref) != 40 && len(ref) != 64 {
		return false
	}
	for _, c := range ref {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// checkRef refuses names git would read as something else (an option, a range, a path).
func checkRef(ref string) error {
	bad := ref != "" && (strings.HasPrefix(ref, "-") || strings.HasPrefix(ref, "/") ||
		strings.Contains(ref, "..") || strings.ContainsAny(ref, " ~^:?*[\\\x7f") ||
		strings.HasSuffix(ref, "/") || strings.HasSuffix(ref, ".lock") || strings.Contains(ref, "@{"))
	for _, c := range ref {
		bad = bad || c < ' '
	}
	if bad {
		return fmt.Errorf("invalid ref %q", ref)
	}
	return nil
}
