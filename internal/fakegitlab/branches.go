package fakegitlab

import (
	"net/http"
	"sort"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// branchSHA reads a branch's head from the bare repository, "" when it does not exist.
func (g *GitLab) branchSHA(p *project, branch string) string {
	out, err := g.git.Git(p.Path, "rev-parse", "--verify", "--quiet", "refs/heads/"+branch)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(out)
}

// gitBranches lists the repository's branches, name → SHA.
func (g *GitLab) gitBranches(p *project) map[string]string {
	out, _ := g.git.Git(p.Path, "for-each-ref", "--format=%(refname:lstrip=2) %(objectname)", "refs/heads/")
	branches := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if name, sha, ok := strings.Cut(line, " "); ok {
			branches[name] = sha
		}
	}
	return branches
}

// Branches lists a project's branches as git has them, sorted by name.
func (g *GitLab) Branches(projectID int64) []Branch {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	var out []Branch
	for name, sha := range g.gitBranches(p) {
		out = append(out, Branch{Name: name, SHA: sha, Protected: isProtected(p, name)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Protect protects branches: the API reports them protected (merge: Maintainers, push: no
// one) and the repository's pre-receive hook refuses pushes to them with GitLab's message.
func (g *GitLab) Protect(projectID int64, branches ...string) {
	for _, b := range branches {
		g.ProtectWith(projectID, b, Protection{Push: []AccessRule{{Level: NoAccess}}, Merge: []AccessRule{{Level: Maintainer}}})
	}
}

func (g *GitLab) branchRoutes(api func(string, int, func(*call))) {
	api("GET /projects/{id}/repository/branches", Guest, g.listBranches)
	api("GET /projects/{id}/repository/branches/{branch}", Guest, g.getBranch)
	api("POST /projects/{id}/repository/branches", Developer, g.postBranch)
	api("GET /projects/{id}/repository/commits/{sha}", Guest, g.getCommit)
	api("GET /projects/{id}/protected_branches", Guest, g.listProtected)
	api("GET /projects/{id}/protected_branches/{name}", Guest, g.getProtected)
	api("GET /groups/{group}/members/all/{user_id}", 0, g.getGroupMember)
}

func (g *GitLab) listBranches(c *call) {
	var out []*gitlab.Branch
	for name, sha := range g.gitBranches(c.p) {
		if s := c.in.str("search"); s == "" || strings.Contains(name, s) {
			out = append(out, g.branchJSON(c, name, sha))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	c.json(http.StatusOK, paginate(c.w, c.r, out))
}

func (g *GitLab) getBranch(c *call) {
	name := c.path("branch")
	sha := g.branchSHA(c.p, name)
	if sha == "" {
		notFound(c.w, "Branch")
		return
	}
	c.json(http.StatusOK, g.branchJSON(c, name, sha))
}

func (g *GitLab) postBranch(c *call) {
	name, ref := c.in.str("branch"), c.in.str("ref")
	if name == "" || ref == "" {
		missingParam(c.w, map[bool]string{true: "branch", false: "ref"}[name == ""])
		return
	}
	if g.branchSHA(c.p, name) != "" {
		writeMessage(c.w, http.StatusBadRequest, "Branch already exists")
		return
	}
	sha := g.commitSHA(c.p, ref)
	if sha == "" {
		writeMessage(c.w, http.StatusBadRequest, "Invalid reference name: "+ref)
		return
	}
	if _, err := g.git.Git(c.p.Path, "update-ref", "refs/heads/"+name, sha, ""); err != nil {
		writeMessage(c.w, http.StatusBadRequest, "Failed to create branch '"+name+"': invalid reference name '"+name+"'")
		return
	}
	c.json(http.StatusCreated, g.branchJSON(c, name, sha))
}

// branchJSON shows a branch from the caller's point of view: can_push follows the protection
// rules that match it (Developers up on an unprotected branch).
func (g *GitLab) branchJSON(c *call, name, sha string) *gitlab.Branch {
	return &gitlab.Branch{
		Name: name, Protected: isProtected(c.p, name), Default: name == c.p.DefaultBranch,
		CanPush: g.mayPush(c.p, name, c.user.ID), DevelopersCanPush: false, DevelopersCanMerge: false,
		WebURL: c.p.WebURL + "/-/tree/" + name, Commit: g.commitJSON(c.p, sha),
	}
}

// commitJSON reads a commit's metadata from git.
func (g *GitLab) commitJSON(p *project, sha string) *gitlab.Commit {
	out, err := g.git.Git(p.Path, "show", "-s", "--format=%H%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%P%x00%B", sha)
	if err != nil {
		return &gitlab.Commit{ID: sha}
	}
	f := strings.SplitN(out, "\x00", 9)
	if len(f) < 9 {
		return &gitlab.Commit{ID: sha}
	}
	authored, _ := time.Parse(time.RFC3339, f[3])
	committed, _ := time.Parse(time.RFC3339, f[6])
	msg := strings.TrimRight(f[8], "\n") + "\n"
	title, _, _ := strings.Cut(msg, "\n")
	return &gitlab.Commit{
		ID: f[0], ShortID: f[0][:8], Title: title, Message: msg, AuthorName: f[1], AuthorEmail: f[2],
		AuthoredDate: &authored, CommitterName: f[4], CommitterEmail: f[5], CommittedDate: &committed,
		CreatedAt: &committed, ParentIDs: strings.Fields(f[7]), ProjectID: p.ID,
		WebURL: p.WebURL + "/-/commit/" + f[0],
	}
}

func (g *GitLab) getCommit(c *call) {
	sha := g.commitSHA(c.p, c.path("sha"))
	if sha == "" {
		notFound(c.w, "Commit")
		return
	}
	c.json(http.StatusOK, g.commitJSON(c.p, sha))
}

func (g *GitLab) listProtected(c *call) {
	var names []string
	for name := range c.p.protected {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []*gitlab.ProtectedBranch
	for _, n := range names {
		out = append(out, g.protectedJSON(c.p, n))
	}
	c.json(http.StatusOK, paginate(c.w, c.r, out))
}

func (g *GitLab) getProtected(c *call) {
	if _, ok := c.p.protected[c.path("name")]; !ok {
		notFound(c.w, "Protected Branch")
		return
	}
	c.json(http.StatusOK, g.protectedJSON(c.p, c.path("name")))
}

func (g *GitLab) protectedJSON(p *project, name string) *gitlab.ProtectedBranch {
	rule := p.protected[name]
	return &gitlab.ProtectedBranch{
		ID: rule.id, Name: name,
		PushAccessLevels:      g.accessJSONList(rule.Push),
		MergeAccessLevels:     g.accessJSONList(rule.Merge),
		UnprotectAccessLevels: []*gitlab.BranchAccessDescription{{AccessLevel: gitlab.MaintainerPermissions, AccessLevelDescription: "Maintainers"}},
	}
}
