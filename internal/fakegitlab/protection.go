package fakegitlab

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// AccessRule is one entry of a protected branch's "allowed to push" or "allowed to merge" list,
// as GitLab has them: a role (Developer: Developers and above; NoAccess: no one), one user, or
// the members of one group (by its full path). Users and groups are a Premium feature on
// GitLab; the fake allows them on every tier.
type AccessRule struct {
	Level  int
	UserID int64
	Group  string
}

// Protection is a protected-branch rule: its name may hold "*" wildcards ("release/*").
type Protection struct {
	Push  []AccessRule
	Merge []AccessRule
}

type protection struct {
	id int64
	Protection
}

// ProtectWith protects the branches matching name (an exact name or a wildcard such as
// "release/*") with its own push and merge lists. The repository's pre-receive hook enforces
// the push list for whoever pushes; merges through the API check the merge list.
func (g *GitLab) ProtectWith(projectID int64, name string, rule Protection) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	id := g.st.nextID("protected_branch")
	if old := p.protected[name]; old != nil {
		id = old.id
	}
	p.protected[name] = &protection{id: id, Protection: rule}
	for _, r := range append(append([]AccessRule{}, rule.Push...), rule.Merge...) {
		if r.Group != "" {
			g.groupID(r.Group)
		}
	}
	all := make([]string, 0, len(p.protected))
	for b := range p.protected {
		all = append(all, b)
	}
	sort.Strings(all)
	if err := g.git.SetProtected(p.Path, all...); err != nil {
		panic("fakegitlab: protect: " + err.Error())
	}
}

// matchingProtections are the rules that cover branch: its exact rule and every wildcard.
func matchingProtections(p *project, branch string) []*protection {
	var out []*protection
	for name, rule := range p.protected {
		if protectionMatches(name, branch) {
			out = append(out, rule)
		}
	}
	return out
}

// protectionMatches follows GitLab: "*" matches any run of characters, "/" included.
func protectionMatches(rule, branch string) bool {
	if !strings.Contains(rule, "*") {
		return rule == branch
	}
	re := "^" + strings.ReplaceAll(regexp.QuoteMeta(rule), `\*`, ".*") + "$"
	ok, _ := regexp.MatchString(re, branch)
	return ok
}

// isProtected says whether a rule covers branch.
func isProtected(p *project, branch string) bool { return len(matchingProtections(p, branch)) > 0 }

// mayPush and mayMerge apply GitLab's rules for user: an unprotected branch takes pushes and
// merges from Developers up; a protected one from whoever one of its matching rules allows (the
// most permissive rule wins).
func (g *GitLab) mayPush(p *project, branch string, userID int64) bool {
	return g.allowedBy(p, branch, userID, func(r *protection) []AccessRule { return r.Push })
}

func (g *GitLab) mayMerge(p *project, branch string, userID int64) bool {
	return g.allowedBy(p, branch, userID, func(r *protection) []AccessRule { return r.Merge })
}

func (g *GitLab) allowedBy(p *project, branch string, userID int64, list func(*protection) []AccessRule) bool {
	rules := matchingProtections(p, branch)
	if len(rules) == 0 {
		return g.accessLevel(p, userID) >= Developer
	}
	for _, rule := range rules {
		if g.admits(p, list(rule), userID) {
			return true
		}
	}
	return false
}

// admits says whether one allowed-to list lets user in. A user or group entry counts for members
// with at least Developer (GitLab only offers those); its access_level is not a role.
func (g *GitLab) admits(p *project, list []AccessRule, userID int64) bool {
	level := g.accessLevel(p, userID)
	for _, a := range list {
		switch {
		case a.UserID != 0:
			if a.UserID == userID && level >= Developer {
				return true
			}
		case a.Group != "":
			if g.st.groups[a.Group][userID] > NoAccess && level >= Developer {
				return true
			}
		case a.Level > NoAccess && level >= a.Level:
			return true
		}
	}
	return false
}

// pushAllowedPatterns are the protected-branch names whose own push list admits user: the
// pre-receive hook lets a push through to a branch when one of the patterns it matches is here.
func (g *GitLab) pushAllowedPatterns(p *project, userID int64) []string {
	var out []string
	for name, rule := range p.protected {
		if g.admits(p, rule.Push, userID) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// groupID is a group's id, made on first use.
func (g *GitLab) groupID(path string) int64 {
	if g.st.groupIDs == nil {
		g.st.groupIDs = map[string]int64{}
	}
	if id, ok := g.st.groupIDs[path]; ok {
		return id
	}
	id := g.st.nextID("namespace")
	g.st.groupIDs[path] = id
	return id
}

// GroupID is the id GitLab gives the group at path (for assertions and rules by id).
func (g *GitLab) GroupID(path string) int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.groupID(path)
}

func (g *GitLab) groupByRef(ref string) (string, bool) {
	for path, id := range g.st.groupIDs {
		if fmt.Sprint(id) == ref || path == ref {
			return path, true
		}
	}
	_, ok := g.st.groups[ref]
	return ref, ok
}

// getGroupMember answers GET /groups/:id/members/all/:user_id: the user's role on the group
// (inherited from parents included), 404 for non-members.
func (g *GitLab) getGroupMember(c *call) {
	group, ok := g.groupByRef(c.path("group"))
	if !ok {
		notFound(c.w, "Group")
		return
	}
	uid := c.pathInt("user_id")
	level := 0
	for dir := group; dir != "." && dir != "/"; dir = parentDir(dir) {
		level = max(level, g.st.groups[dir][uid])
	}
	if level == NoAccess {
		notFound(c.w, "Member")
		return
	}
	c.json(http.StatusOK, g.memberJSON(uid, level))
}

func parentDir(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "."
	}
	return p[:i]
}

func (g *GitLab) accessJSONList(list []AccessRule) []*gitlab.BranchAccessDescription {
	out := []*gitlab.BranchAccessDescription{}
	for _, a := range list {
		d := &gitlab.BranchAccessDescription{ID: g.st.nextID("protected_branch_access")}
		switch {
		case a.UserID != 0:
			d.UserID, d.AccessLevel = a.UserID, gitlab.MaintainerPermissions
			d.AccessLevelDescription = g.userByID(a.UserID).Name
		case a.Group != "":
			d.GroupID, d.AccessLevel = g.groupID(a.Group), gitlab.MaintainerPermissions
			d.AccessLevelDescription = a.Group
		default:
			d.AccessLevel = gitlab.AccessLevelValue(a.Level)
			d.AccessLevelDescription = levelDescription(a.Level)
		}
		out = append(out, d)
	}
	return out
}

func levelDescription(level int) string {
	switch level {
	case NoAccess:
		return "No one"
	case Developer:
		return "Developers + Maintainers"
	case Maintainer:
		return "Maintainers"
	case Owner:
		return "Owners"
	}
	return fmt.Sprintf("Level %d", level)
}
