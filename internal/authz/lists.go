package authz

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
)

// AllowLists are ALLOWED_USERS, ALLOWED_BOTS and ALLOWED_PROJECTS as configured (names, paths,
// "group/*" or numeric ids), resolved to ids once: a user who renames keeps their access, and
// whoever takes their old name gets none; a renamed group or project stays allowed.
type AllowLists struct {
	Users, Bots, Projects []string

	mu       sync.Mutex
	resolved *lists
}

// lists are the allow-lists as ids.
type lists struct {
	users, bots, projects, groups map[int64]bool
	limitProjects                 bool
}

// Resolver is what resolving the lists needs of GitLab.
type Resolver interface {
	UserByUsername(ctx context.Context, username string) (gitlab.User, error)
	Project(ctx context.Context, idOrPath string) (gitlab.Project, error)
	Namespace(ctx context.Context, idOrPath string) (gitlab.Namespace, error)
}

// Logger is where resolving the lists says what it left out (a *slog.Logger).
type Logger interface {
	Warn(msg string, args ...any)
	Info(msg string, args ...any)
}

// Resolve resolves the lists now (at start); an entry GitLab does not know is logged and left
// out. It is done once: later calls return at once.
func (a *AllowLists) Resolve(ctx context.Context, gl Resolver, log Logger) error {
	_, err := a.ensure(ctx, gl, log)
	return err
}

func (a *AllowLists) ensure(ctx context.Context, gl Resolver, log Logger) (*lists, error) {
	if a == nil {
		return &lists{}, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.resolved != nil {
		return a.resolved, nil
	}
	l := &lists{users: map[int64]bool{}, bots: map[int64]bool{}, projects: map[int64]bool{},
		groups: map[int64]bool{}, limitProjects: len(a.Projects) > 0}
	if err := resolveUsers(ctx, gl, log, "ALLOWED_USERS", a.Users, l.users); err != nil {
		return nil, err
	}
	if err := resolveUsers(ctx, gl, log, "ALLOWED_BOTS", a.Bots, l.bots); err != nil {
		return nil, err
	}
	for _, entry := range a.Projects {
		if err := resolveProject(ctx, gl, log, entry, l); err != nil {
			return nil, err
		}
	}
	if len(a.Users)+len(a.Bots)+len(a.Projects) > 0 {
		log.Info("allow-lists resolved to ids", "users", len(l.users), "bots", len(l.bots), "projects", len(l.projects), "groups", len(l.groups))
	}
	a.resolved = l
	return l, nil
}

// resolveUsers puts the ids of names (setting's entries) into ids.
func resolveUsers(ctx context.Context, gl Resolver, log Logger, setting string, names []string, ids map[int64]bool) error {
	for _, name := range names {
		id, err := resolveUser(ctx, gl, name)
		if errors.Is(err, gitlab.ErrNoSuchUser) || errors.Is(err, gitlab.ErrNotFound) {
			log.Warn("allow-list: no such user; left out", "setting", setting, "entry", name)
			continue
		}
		if err != nil {
			return fmt.Errorf("resolve %s entry %q: %w", setting, name, err)
		}
		ids[id] = true
	}
	return nil
}

func resolveUser(ctx context.Context, gl Resolver, entry string) (int64, error) {
	entry = strings.TrimPrefix(strings.TrimSpace(entry), "@")
	if id, err := strconv.ParseInt(entry, 10, 64); err == nil && id > 0 {
		return id, nil
	}
	u, err := gl.UserByUsername(ctx, entry)
	return u.ID, err
}

// resolveProject puts an ALLOWED_PROJECTS entry's id into l: a project's, or a group's
// ("group/*").
func resolveProject(ctx context.Context, gl Resolver, log Logger, entry string, l *lists) error {
	group, isGroup := strings.CutSuffix(entry, "/*")
	var id int64
	var err error
	if isGroup {
		var n gitlab.Namespace
		n, err = gl.Namespace(ctx, group)
		id = n.ID
	} else {
		var p gitlab.Project
		p, err = gl.Project(ctx, entry)
		id = p.ID
	}
	if errors.Is(err, gitlab.ErrNotFound) || errors.Is(err, gitlab.ErrForbidden) {
		log.Warn("allow-list: no such project or group; left out", "setting", "ALLOWED_PROJECTS", "entry", entry)
		return nil
	}
	if err != nil {
		return fmt.Errorf("resolve ALLOWED_PROJECTS entry %q: %w", entry, err)
	}
	if isGroup {
		l.groups[id] = true
	} else {
		l.projects[id] = true
	}
	return nil
}
