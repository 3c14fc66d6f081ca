package authz

import (
	"context"
	"errors"
	"fmt"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// GitLab is what authorising reads of GitLab (gitlab.Client in production).
type GitLab interface {
	Resolver
	MemberAccessLevel(ctx context.Context, projectID, userID int64) (int, error)
	UserByID(ctx context.Context, id int64) (gitlab.User, error)
	ProjectAncestors(ctx context.Context, projectID int64) ([]int64, error)
}

// Checker applies one service's rules to triggers' authors.
type Checker struct {
	GitLab         GitLab
	Lists          *AllowLists // ALLOWED_USERS/BOTS/PROJECTS; nil: none
	Cache          *Cache      // shared by the service's jobs; must not be nil
	MinAccessLevel int
	Log            Logger
}

// Authorize decides about req's author: it reads their role, whether they are a bot, and whether
// the project is allowed, from GitLab (bots and project ancestors are cached for a while). self
// is the service's own user.
func (c Checker) Authorize(ctx context.Context, req trigger.Request, self gitlab.User) (Decision, Asker, error) {
	a := Asker{ID: req.Author.ID, Username: req.Author.Username}
	lists, err := c.Lists.ensure(ctx, c.GitLab, c.Log)
	if err != nil {
		return Decision{}, a, err
	}
	p := Policy{MinAccessLevel: c.MinAccessLevel, Users: lists.users, Bots: lists.bots}
	if p.ProjectAllowed, err = c.projectAllowed(ctx, lists, req.Project.ID); err != nil {
		return Decision{}, a, err
	}
	a.Self = (self.ID != 0 && a.ID == self.ID) || (a.ID == 0 && self.Username != "" && a.Username == self.Username)
	if p.ProjectAllowed && !a.Self {
		if a.Bot, err = c.isBot(ctx, a); err != nil {
			return Decision{}, a, err
		}
		if !a.Bot && !p.Users[a.ID] {
			if a.Level, err = c.GitLab.MemberAccessLevel(ctx, req.Project.ID, a.ID); err != nil {
				return Decision{}, a, fmt.Errorf("check @%s's access: %w", a.Username, err)
			}
		}
	}
	return Decide(p, a, req.Task, quiet(req)), a, nil
}

// ErrProjectNotAllowed: ALLOWED_PROJECTS leaves the project out.
var ErrProjectNotAllowed = errors.New("not within ALLOWED_PROJECTS")

// WithinAllowedProjects applies ALLOWED_PROJECTS to a project by id (its own, or one of its
// groups'): nil when it is within, ErrProjectNotAllowed when not.
func (c Checker) WithinAllowedProjects(ctx context.Context, projectID int64) error {
	lists, err := c.Lists.ensure(ctx, c.GitLab, c.Log)
	if err != nil {
		return err
	}
	if ok, err := c.projectAllowed(ctx, lists, projectID); err != nil || ok {
		return err
	}
	return ErrProjectNotAllowed
}

func (c Checker) projectAllowed(ctx context.Context, l *lists, projectID int64) (bool, error) {
	if !l.limitProjects {
		return true, nil
	}
	if l.projects[projectID] {
		return true, nil
	}
	if len(l.groups) == 0 {
		return false, nil
	}
	anc, err := c.Cache.ancestors.get(projectID, func() ([]int64, error) {
		return c.GitLab.ProjectAncestors(ctx, projectID)
	})
	if err != nil {
		return false, fmt.Errorf("read the project's groups: %w", err)
	}
	for _, id := range anc {
		if l.groups[id] {
			return true, nil
		}
	}
	return false, nil
}

// isBot: the name says so, or GitLab's User.Bot does.
func (c Checker) isBot(ctx context.Context, a Asker) (bool, error) {
	if IsBotName(a.Username) {
		return true, nil
	}
	if a.ID == 0 {
		return false, nil
	}
	bot, err := c.Cache.bots.get(a.ID, func() (bool, error) {
		u, err := c.GitLab.UserByID(ctx, a.ID)
		return u.Bot || IsBotName(u.Username), err
	})
	if errors.Is(err, gitlab.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check whether @%s is a bot: %w", a.Username, err)
	}
	return bot, nil
}

// Versioner says what GitLab is.
type Versioner interface {
	Version(ctx context.Context) (string, error)
}

// HidesSharedMembers returns GitLab's version when someone GitLab does not list as a member
// (level 0) is refused on a GitLab before 17.0, whose members/all leaves out members of groups
// invited into the project; "" otherwise (a member below the role, a newer or hidden version).
func HidesSharedMembers(ctx context.Context, gl Versioner, level int) string {
	if level != 0 {
		return ""
	}
	v, err := gl.Version(ctx)
	if err != nil {
		return ""
	}
	if shared, known := gitlab.AtLeast(v, gitlab.SinceMembersAllShared); known && !shared {
		return v
	}
	return ""
}
