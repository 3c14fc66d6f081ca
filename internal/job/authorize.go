package job

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// Authorisation of a trigger's author: one pure decision (Decide) and one function that reads
// what it needs from GitLab (Runner.Authorize). Every trigger goes through it: mentions,
// automatic reviews (the MR's author), failed pipelines (who started the pipeline) and wiki
// edits; the acknowledgement lane calls it too.

// Verdict is what authorisation decided.
type Verdict string

// The verdicts.
const (
	Allow  Verdict = "allow"  // run it
	Refuse Verdict = "refuse" // do not run it; tell the author once (a mention in a thread)
	Ignore Verdict = "ignore" // do not run it; say nothing (a bot, a project not allowed, a quiet trigger)
)

// Decision is a verdict and the reason, for logs and the job's page.
type Decision struct {
	Verdict Verdict
	Reason  string
}

// Asker is a trigger's author as authorisation sees them.
type Asker struct {
	ID       int64
	Username string
	Level    int  // role on the project, inherited membership included; 0: not a member
	Bot      bool // a bot user: access-token bots, service accounts (GitLab's User.Bot, or the name)
	Self     bool // this service's own user
}

// Policy is the operator's rules, with the allow-lists as ids.
type Policy struct {
	MinAccessLevel int
	Users, Bots    map[int64]bool // ALLOWED_USERS, ALLOWED_BOTS resolved to ids
	ProjectAllowed bool           // ALLOWED_PROJECTS admits the project (by id or an ancestor group's id)
}

// Decide is the pure core: quiet triggers (nobody asked in a thread: automatic reviews,
// pipelines, wiki pages) are never answered with a refusal. The service's own user may start
// only pipeline fixes (its pushes start the pipelines of its branches).
func Decide(p Policy, a Asker, task trigger.Task, quiet bool) Decision {
	refuse := Refuse
	if quiet {
		refuse = Ignore
	}
	switch {
	case !p.ProjectAllowed:
		return Decision{Ignore, "project not in ALLOWED_PROJECTS"}
	case a.Self && task == trigger.TaskPipelineFix:
		return Decision{Allow, "the bot's own pipeline"}
	case a.Self:
		return Decision{Ignore, "written by the bot itself"}
	case a.Bot && p.Bots[a.ID]:
		return Decision{Allow, "in ALLOWED_BOTS"}
	case a.Bot:
		return Decision{Ignore, "a bot user not in ALLOWED_BOTS"}
	case p.Users[a.ID]:
		return Decision{Allow, "in ALLOWED_USERS"}
	case a.Level >= p.MinAccessLevel:
		return Decision{Allow, "role at least MIN_ACCESS_LEVEL"}
	}
	return Decision{refuse, "below MIN_ACCESS_LEVEL"}
}

// quietTrigger: no one wrote to the bot in a thread.
func quietTrigger(req trigger.Request) bool {
	return req.Task == trigger.TaskPipelineFix || req.Task == trigger.TaskWikiEdit || req.Reason == trigger.ReasonAutoReview
}

// Authorize decides about req's author: it reads their role, whether they are a bot, and whether
// the project is allowed, from GitLab (bots and project ancestors are cached for a while).
func (r *Runner) Authorize(ctx context.Context, req trigger.Request) (Decision, Asker, error) {
	a := Asker{ID: req.Author.ID, Username: req.Author.Username}
	bot, err := r.botUser(ctx)
	if err != nil {
		return Decision{}, a, err
	}
	lists, err := r.Allow.ensure(ctx, r.GitLab, r.log())
	if err != nil {
		return Decision{}, a, err
	}
	p := Policy{MinAccessLevel: r.Settings.MinAccessLevel, Users: lists.users, Bots: lists.bots}
	if p.ProjectAllowed, err = r.projectAllowed(ctx, lists, req.Project.ID); err != nil {
		return Decision{}, a, err
	}
	a.Self = (bot.ID != 0 && a.ID == bot.ID) || (a.ID == 0 && bot.Username != "" && a.Username == bot.Username)
	if p.ProjectAllowed && !a.Self {
		if a.Bot, err = r.isBot(ctx, a); err != nil {
			return Decision{}, a, err
		}
		if !a.Bot && !p.Users[a.ID] {
			if a.Level, err = r.GitLab.MemberAccessLevel(ctx, req.Project.ID, a.ID); err != nil {
				return Decision{}, a, fmt.Errorf("check @%s's access: %w", a.Username, err)
			}
		}
	}
	return Decide(p, a, req.Task, quietTrigger(req)), a, nil
}

// authCacheFor bounds how long what does not change often (bot flags, a project's groups) is kept.
const authCacheFor = 10 * time.Minute

// authCache is shared by the Runners of one service (withSettings copies the pointer).
type authCache struct {
	mu        sync.Mutex
	bots      map[int64]cached[bool]
	ancestors map[int64]cached[[]int64]
}

type cached[T any] struct {
	v  T
	at time.Time
}

func (c *authCache) init() {
	if c.bots == nil {
		c.bots, c.ancestors = map[int64]cached[bool]{}, map[int64]cached[[]int64]{}
	}
}

// cache is the Runner's authCache, made on first use.
func (r *Runner) cache() *authCache {
	r.botOnce.Lock()
	defer r.botOnce.Unlock()
	if r.auth == nil {
		r.auth = &authCache{}
	}
	return r.auth
}

// RefusalLog remembers the refusal replies sent: First records key (a user, a thread, a day) for
// owner (a job) unless it is recorded already, and reports whether it is owner's: a job retried
// after a lost reply is still the first. It is shared by restarts and replicas (the database).
type RefusalLog interface {
	First(ctx context.Context, key, owner string) (bool, error)
}

// isBot: the name says so (project_<id>_bot…, group_<id>_bot…, service_account_…), or GitLab's
// User.Bot does.
func (r *Runner) isBot(ctx context.Context, a Asker) (bool, error) {
	if isBotName(a.Username) {
		return true, nil
	}
	if a.ID == 0 {
		return false, nil
	}
	cache := r.cache()
	cache.mu.Lock()
	cache.init()
	c, ok := cache.bots[a.ID]
	cache.mu.Unlock()
	if ok && time.Since(c.at) < authCacheFor {
		return c.v, nil
	}
	u, err := r.GitLab.UserByID(ctx, a.ID)
	if errors.Is(err, gitlab.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check whether @%s is a bot: %w", a.Username, err)
	}
	bot := u.Bot || isBotName(u.Username)
	cache.mu.Lock()
	cache.bots[a.ID] = cached[bool]{bot, time.Now()}
	cache.mu.Unlock()
	return bot, nil
}

// projectAllowed applies ALLOWED_PROJECTS by id: the project's, or one of its groups'.
func (r *Runner) projectAllowed(ctx context.Context, l *resolvedLists, projectID int64) (bool, error) {
	if !l.limitProjects {
		return true, nil
	}
	if l.projects[projectID] {
		return true, nil
	}
	if len(l.groups) == 0 {
		return false, nil
	}
	var anc []int64
	cache := r.cache()
	cache.mu.Lock()
	cache.init()
	c, ok := cache.ancestors[projectID]
	cache.mu.Unlock()
	if ok && time.Since(c.at) < authCacheFor {
		anc = c.v
	} else {
		var err error
		if anc, err = r.GitLab.ProjectAncestors(ctx, projectID); err != nil {
			return false, fmt.Errorf("read the project's groups: %w", err)
		}
		cache.mu.Lock()
		cache.ancestors[projectID] = cached[[]int64]{anc, time.Now()}
		cache.mu.Unlock()
	}
	for _, id := range anc {
		if l.groups[id] {
			return true, nil
		}
	}
	return false, nil
}

// AllowLists are ALLOWED_USERS, ALLOWED_BOTS and ALLOWED_PROJECTS as configured (names, paths,
// "group/*" or numeric ids), resolved to ids once: a user who renames keeps their access, and
// whoever takes their old name gets none; a renamed group or project stays allowed.
type AllowLists struct {
	Users, Bots, Projects []string

	mu       sync.Mutex
	resolved *resolvedLists
}

type resolvedLists struct {
	users, bots, projects, groups map[int64]bool
	limitProjects                 bool
}

// Resolver is what resolving the lists needs of GitLab.
type Resolver interface {
	UserByUsername(ctx context.Context, username string) (gitlab.User, error)
	Project(ctx context.Context, idOrPath string) (gitlab.Project, error)
	Namespace(ctx context.Context, idOrPath string) (gitlab.Namespace, error)
}

// Resolve resolves the lists now (at start); an entry GitLab does not know is logged and left
// out. It is done once: later calls return at once.
func (a *AllowLists) Resolve(ctx context.Context, gl Resolver, log logger) error {
	_, err := a.ensure(ctx, gl, log)
	return err
}

type logger interface {
	Warn(msg string, args ...any)
	Info(msg string, args ...any)
}

func (a *AllowLists) ensure(ctx context.Context, gl Resolver, log logger) (*resolvedLists, error) {
	if a == nil {
		return &resolvedLists{}, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.resolved != nil {
		return a.resolved, nil
	}
	l := &resolvedLists{users: map[int64]bool{}, bots: map[int64]bool{}, projects: map[int64]bool{},
		groups: map[int64]bool{}, limitProjects: len(a.Projects) > 0}
	for _, set := range []struct {
		names []string
		into  map[int64]bool
		what  string
	}{{a.Users, l.users, "ALLOWED_USERS"}, {a.Bots, l.bots, "ALLOWED_BOTS"}} {
		for _, name := range set.names {
			id, err := resolveUser(ctx, gl, name)
			if errors.Is(err, gitlab.ErrNoSuchUser) || errors.Is(err, gitlab.ErrNotFound) {
				log.Warn("allow-list: no such user; left out", "setting", set.what, "entry", name)
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("resolve %s entry %q: %w", set.what, name, err)
			}
			set.into[id] = true
		}
	}
	for _, entry := range a.Projects {
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
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("resolve ALLOWED_PROJECTS entry %q: %w", entry, err)
		}
		if isGroup {
			l.groups[id] = true
		} else {
			l.projects[id] = true
		}
	}
	if len(a.Users)+len(a.Bots)+len(a.Projects) > 0 {
		log.Info("allow-lists resolved to ids", "users", len(l.users), "bots", len(l.bots), "projects", len(l.projects), "groups", len(l.groups))
	}
	a.resolved = l
	return l, nil
}

func resolveUser(ctx context.Context, gl Resolver, entry string) (int64, error) {
	entry = strings.TrimPrefix(strings.TrimSpace(entry), "@")
	if id, err := strconv.ParseInt(entry, 10, 64); err == nil && id > 0 {
		return id, nil
	}
	u, err := gl.UserByUsername(ctx, entry)
	return u.ID, err
}
