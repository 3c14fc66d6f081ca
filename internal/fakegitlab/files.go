package fakegitlab

import (
	"net/http"
	"strings"
)

func (g *GitLab) fileRoutes(api func(string, int, func(*call))) {
	api("GET /projects/{id}/repository/files/{path}/raw", Reporter, g.getRawFile)
}

// getRawFile serves a file of the repository at ?ref= (the default branch when absent), as
// GitLab's GET /projects/:id/repository/files/:file_path/raw.
func (g *GitLab) getRawFile(c *call) {
	ref := c.in.str("ref")
	if ref == "" {
		ref = c.p.DefaultBranch
	}
	path := c.path("path")
	if strings.HasPrefix(ref, "-") || path == "" || strings.HasPrefix(path, "-") {
		badRequest(c.w, "invalid ref or file path")
		return
	}
	sha := g.commitSHA(c.p, ref)
	if sha == "" {
		notFound(c.w, "Commit")
		return
	}
	out, err := g.git.Git(c.p.Path, "cat-file", "blob", sha+":"+path)
	if err != nil {
		notFound(c.w, "File")
		return
	}
	c.w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	c.w.WriteHeader(http.StatusOK)
	c.w.Write([]byte(out))
}
