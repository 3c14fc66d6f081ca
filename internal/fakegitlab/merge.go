package fakegitlab

import (
	"fmt"
	"net/http"
	"strings"
)

// acceptMR is PUT …/merge. Like GitLab: 401 for a user the target's merge rules do not admit,
// 405 when the MR cannot be merged (closed, draft), 409 when sha is not the head, 422 on
// conflicts; with auto_merge and a pipeline still running it only arms auto-merge.
func (g *GitLab) acceptMR(c *call, mr *mergeRequest) {
	if !g.mayMerge(c.p, mr.target, c.user.ID) {
		writeMessage(c.w, http.StatusUnauthorized, "401 Unauthorized")
		return
	}
	head := g.mrHead(c.p, mr)
	switch {
	case mr.state != "opened" || mr.draft():
		writeMessage(c.w, http.StatusMethodNotAllowed, "405 Method Not Allowed")
		return
	case c.in.has("sha") && c.in.str("sha") != head:
		writeMessage(c.w, http.StatusConflict, "SHA does not match HEAD of source branch: "+head)
		return
	case g.hasConflicts(c.p, mr):
		writeMessage(c.w, http.StatusUnprocessableEntity, "Branch cannot be merged")
		return
	}
	// auto_merge exists from GitLab 17.11; an older GitLab ignores it (and merges at once).
	wantAuto := c.in.boolean("merge_when_pipeline_succeeds") || c.in.boolean("auto_merge") && g.versionAtLeast(17, 11)
	if pl := c.p.pipelines[head]; wantAuto && pl != nil && pipelineActive(pl.status) {
		mr.autoMerge, mr.mergeUserID = true, c.user.ID
		mr.updated = g.now()
		c.json(http.StatusOK, g.mrJSON(c.p, mr))
		return
	}
	if err := g.merge(c.p, mr, c.user.ID, c.in.boolean("should_remove_source_branch")); err != nil {
		writeMessage(c.w, http.StatusUnprocessableEntity, "Branch cannot be merged")
		return
	}
	c.json(http.StatusOK, g.mrJSON(c.p, mr))
}

func (g *GitLab) cancelAutoMerge(c *call, mr *mergeRequest) {
	if !mr.autoMerge {
		writeMessage(c.w, http.StatusNotAcceptable, "406 Not Acceptable")
		return
	}
	mr.autoMerge, mr.mergeUserID = false, 0
	c.json(http.StatusCreated, g.mrJSON(c.p, mr))
}

func pipelineActive(status string) bool {
	return status == "created" || status == "pending" || status == "running"
}

// hasConflicts asks git whether the MR's branches merge cleanly.
func (g *GitLab) hasConflicts(p *project, mr *mergeRequest) bool {
	if mr.state != "opened" {
		return false
	}
	_, err := g.git.Git(p.Path, "merge-tree", "--write-tree", "--no-messages", g.branchSHA(p, mr.target), g.sourceSHA(p, mr))
	return err != nil
}

// merge makes a real merge commit on the target branch, GitLab's default merge method.
func (g *GitLab) merge(p *project, mr *mergeRequest, userID int64, removeSource bool) error {
	start, head := g.branchSHA(p, mr.target), g.sourceSHA(p, mr)
	out, err := g.git.Git(p.Path, "merge-tree", "--write-tree", "--no-messages", start, head)
	if err != nil {
		return fmt.Errorf("merge !%d: %w", mr.iid, err)
	}
	tree := strings.Fields(out)[0]
	u := g.userByID(userID)
	msg := fmt.Sprintf("Merge branch '%s' into '%s'\n\n%s\n\nSee merge request %s!%d", mr.source, mr.target, mr.title, p.Path, mr.iid)
	commit, err := g.git.Git(p.Path, "-c", "user.name="+u.Name, "-c", "user.email="+u.Email, "commit-tree", tree, "-p", start, "-p", head, "-m", msg)
	if err != nil {
		return err
	}
	commit = strings.TrimSpace(commit)
	if _, err := g.git.Git(p.Path, "update-ref", "refs/heads/"+mr.target, commit, start); err != nil {
		return err
	}
	mr.state, mr.mergeCommit, mr.mergeUserID, mr.autoMerge = "merged", commit, userID, false
	mr.mergedAt, mr.updated = g.now(), g.now()
	if removeSource && mr.sourceProject(p) == p.ID {
		_, _ = g.git.Git(p.Path, "update-ref", "-d", "refs/heads/"+mr.source)
	}
	return nil
}

// SetPipeline records a pipeline's status for a commit (created, pending, running, success,
// failed, canceled). A success on the head of an MR set to auto-merge merges it, as GitLab does.
func (g *GitLab) SetPipeline(projectID int64, sha, status string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	pl := p.pipelines[sha]
	if pl == nil {
		pl = &pipeline{id: g.st.nextID("pipeline"), sha: sha}
		p.pipelines[sha] = pl
	}
	pl.status = status
	for _, mr := range p.sortedMRs() {
		if mr.state == "opened" && g.mrHead(p, mr) == sha {
			pl.ref = mr.source
			if status == "success" && mr.autoMerge {
				_ = g.merge(p, mr, mr.mergeUserID, false)
			}
		}
	}
}

// versionAtLeast compares the version the fake plays (Options.Version) with major.minor.
func (g *GitLab) versionAtLeast(major, minor int) bool {
	var ma, mi int
	fmt.Sscanf(g.opts.Version, "%d.%d", &ma, &mi)
	return ma > major || ma == major && mi >= minor
}
