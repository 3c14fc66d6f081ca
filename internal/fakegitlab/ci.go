package fakegitlab

import "strings"

// Pipelines made by pushes, as GitLab makes them: a push to a branch whose new head holds the
// project's CI configuration (.gitlab-ci.yml, or the project's CI configuration path) creates a
// pipeline for that commit, "running" until a test says otherwise (SetPipeline). A project
// without CI configuration gets none. HoldPipelines delays them, as a busy GitLab does: an MR's
// head_pipeline is then missing for a while after the push.

// HoldPipelines stops (true) or resumes (false) making pipelines for pushes to a project;
// resuming makes the ones held back.
func (g *GitLab) HoldPipelines(projectID int64, hold bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	p.holdPipelines = hold
	if !hold {
		g.pushPipelines(p)
	}
}

// pushPipelines makes the pipeline of every branch head with CI configuration that has none.
func (g *GitLab) pushPipelines(p *project) {
	if p.holdPipelines {
		return
	}
	for branch, sha := range g.gitBranches(p) {
		if p.pipelines[sha] != nil || !g.hasCIConfig(p, sha) {
			continue
		}
		p.pipelines[sha] = &pipeline{id: g.st.nextID("pipeline"), sha: sha, ref: branch, status: "running"}
	}
}

func (g *GitLab) hasCIConfig(p *project, sha string) bool {
	path := p.ciConfigPath
	if path == "" {
		path = ".gitlab-ci.yml"
	}
	if strings.Contains(path, "@") {
		return true // a file of another project: it is there
	}
	_, err := g.git.Git(p.Path, "cat-file", "-e", sha+":"+strings.TrimPrefix(path, "/"))
	return err == nil
}

// PipelineOf is the status of the pipeline of a commit ("" when there is none).
func (g *GitLab) PipelineOf(projectID int64, sha string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if pl := g.mustProject(projectID).pipelines[sha]; pl != nil {
		return pl.status
	}
	return ""
}
