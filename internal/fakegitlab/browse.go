package fakegitlab

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// SetLabels replaces the labels of an issue or merge request (kind "issue" or "merge_request").
func (g *GitLab) SetLabels(projectID int64, kind string, iid int64, labels ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	switch kind {
	case "issue":
		p.issues[iid].labels = slices.Clone(labels)
	case "merge_request":
		p.mrs[iid].labels = slices.Clone(labels)
	default:
		panic("fakegitlab: SetLabels: kind " + kind)
	}
}

// matchesSearch applies GitLab's listing filters search (title and description, case-insensitive)
// and labels (comma-separated, all of them).
func matchesSearch(c *call, title, desc string, labels []string) bool {
	if q := strings.ToLower(c.in.str("search")); q != "" &&
		!strings.Contains(strings.ToLower(title), q) && !strings.Contains(strings.ToLower(desc), q) {
		return false
	}
	if want := c.in.str("labels"); want != "" {
		for _, l := range strings.Split(want, ",") {
			if !slices.ContainsFunc(labels, func(x string) bool { return strings.EqualFold(x, strings.TrimSpace(l)) }) {
				return false
			}
		}
	}
	return true
}

// listIssues is GET /projects/:id/issues with state, search, labels and confidential; like
// GitLab it leaves out confidential issues the caller may not see.
func (g *GitLab) listIssues(c *call) {
	state := c.in.str("state")
	var out []*gitlab.Issue
	iids := make([]int64, 0, len(c.p.issues))
	for iid := range c.p.issues {
		iids = append(iids, iid)
	}
	slices.Sort(iids)
	slices.Reverse(iids) // newest first, GitLab's default order
	for _, iid := range iids {
		is := g.visibleIssue(c, iid)
		if is == nil {
			continue
		}
		if state != "" && state != "all" && state != is.state || !matchesSearch(c, is.title, is.desc, is.labels) ||
			c.in.has("confidential") && c.in.boolean("confidential") != is.confidential {
			continue
		}
		out = append(out, g.issueJSON(c.p, is))
	}
	c.json(http.StatusOK, paginate(c.w, c.r, out))
}

// getTree is GET /projects/:id/repository/tree?path=&ref= (one level), paginated.
func (g *GitLab) getTree(c *call) {
	ref := c.in.str("ref")
	if ref == "" {
		ref = c.p.DefaultBranch
	}
	path := strings.Trim(c.in.str("path"), "/")
	if strings.HasPrefix(ref, "-") || strings.HasPrefix(path, "-") {
		badRequest(c.w, "invalid ref or path")
		return
	}
	sha := g.commitSHA(c.p, ref)
	if sha == "" {
		notFound(c.w, "Tree")
		return
	}
	spec := sha
	if path != "" {
		spec += ":" + path
	}
	out, err := g.git.Git(c.p.Path, "ls-tree", spec)
	if err != nil {
		notFound(c.w, "Tree")
		return
	}
	nodes := []*gitlab.TreeNode{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		meta, name, ok := strings.Cut(line, "\t")
		f := strings.Fields(meta)
		if !ok || len(f) != 3 {
			continue
		}
		full := name
		if path != "" {
			full = path + "/" + name
		}
		nodes = append(nodes, &gitlab.TreeNode{ID: f[2], Name: name, Type: f[1], Path: full, Mode: f[0]})
	}
	c.json(http.StatusOK, paginate(c.w, c.r, nodes))
}

// compare is GET /projects/:id/repository/compare?from=&to=: the commits reachable from to and
// not from from, oldest first, as GitLab lists them.
func (g *GitLab) compare(c *call) {
	from, to := g.commitSHA(c.p, c.in.str("from")), g.commitSHA(c.p, c.in.str("to"))
	if from == "" || to == "" {
		notFound(c.w, "Ref")
		return
	}
	out, err := g.git.Git(c.p.Path, "rev-list", "--reverse", from+".."+to)
	if err != nil {
		c.json(http.StatusInternalServerError, map[string]string{"message": fmt.Sprint(err)})
		return
	}
	res := &gitlab.Compare{Commits: []*gitlab.Commit{}, Diffs: []*gitlab.Diff{}, CompareSameRef: from == to}
	for _, sha := range strings.Fields(out) {
		res.Commits = append(res.Commits, g.commitJSON(c.p, sha))
	}
	if n := len(res.Commits); n > 0 {
		res.Commit = res.Commits[n-1]
	}
	c.json(http.StatusOK, res)
}
