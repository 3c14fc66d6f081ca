package fakegitlab

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
)

// bridge is a trigger job of a pipeline (`trigger:` in .gitlab-ci.yml) and the child pipeline it
// started. GitLab lists bridges only under GET …/pipelines/:id/bridges, never under …/jobs.
type bridge struct {
	id     int64
	name   string
	stage  string
	status string
	child  *pipeline
}

// ChildPipelineEvents records a failed parent-child pipeline tree at the head of branch: the
// parent's own jobs pass, its bridge "trigger-child" fails with the child (strategy: depend),
// whose jobs named in failedJobs failed with those logs. It returns both pipelines' ids and
// the two Pipeline Hooks GitLab sends, the child's first (it finishes first): the child's
// has source parent_pipeline and source_pipeline naming the parent and the bridge.
func (g *GitLab) ChildPipelineEvents(projectID int64, branch string, userID int64, failedJobs map[string]string) (parentID, childID int64, event string, childHook, parentHook []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	sha := g.branchSHA(p, branch)
	if sha == "" {
		panic("fakegitlab: ChildPipelineEvents: no branch " + branch)
	}
	parent := &pipeline{id: g.st.nextID("pipeline"), sha: sha, ref: branch, status: "failed"}
	parent.jobs = append(parent.jobs, &ciJob{id: g.st.nextID("job"), name: "build", stage: "build", status: "success", trace: "ok\n"})
	child := &pipeline{id: g.st.nextID("pipeline"), sha: sha, ref: branch, status: "failed"}
	names := make([]string, 0, len(failedJobs))
	for name := range failedJobs {
		names = append(names, name)
	}
	sort.Strings(names)
	child.jobs = append(child.jobs, &ciJob{id: g.st.nextID("job"), name: "lint", stage: "test", status: "success", trace: "ok\n"})
	for _, name := range names {
		child.jobs = append(child.jobs, &ciJob{id: g.st.nextID("job"), name: name, stage: "test", status: "failed", trace: failedJobs[name]})
	}
	br := &bridge{id: g.st.nextID("job"), name: "trigger-child", stage: "test", status: "failed", child: child}
	parent.bridges = append(parent.bridges, br)
	p.pipelines[sha] = parent
	source := map[string]any{
		"project":     map[string]any{"id": p.ID, "web_url": p.WebURL, "path_with_namespace": p.Path},
		"pipeline_id": parent.id, "job_id": br.id,
	}
	return parent.id, child.id, "Pipeline Hook", g.pipelineHook(p, child, userID, "parent_pipeline", source),
		g.pipelineHook(p, parent, userID, "push", nil)
}

// findPipeline finds a pipeline of the project by id, child pipelines included.
func findPipeline(p *project, id int64) *pipeline {
	for _, pl := range allPipelines(p) {
		if pl.id == id {
			return pl
		}
	}
	return nil
}

// allPipelines are the project's pipelines with their descendants.
func allPipelines(p *project) []*pipeline {
	var out []*pipeline
	var walk func(pl *pipeline)
	walk = func(pl *pipeline) {
		out = append(out, pl)
		for _, b := range pl.bridges {
			if b.child != nil {
				walk(b.child)
			}
		}
	}
	for _, pl := range p.pipelines {
		walk(pl)
	}
	return out
}

// listPipelineBridges answers GET …/pipelines/:id/bridges, honouring scope[] like GitLab, each
// with its downstream_pipeline.
func (g *GitLab) listPipelineBridges(c *call) {
	pl := findPipeline(c.p, c.pathInt("pipeline_id"))
	if pl == nil {
		notFound(c.w, "Pipeline")
		return
	}
	scope := c.r.URL.Query()["scope[]"]
	out := []map[string]any{}
	for _, b := range pl.bridges {
		if len(scope) > 0 && !slices.Contains(scope, b.status) {
			continue
		}
		var down any
		if b.child != nil {
			down = map[string]any{
				"id": b.child.id, "iid": b.child.id, "project_id": c.p.ID, "sha": b.child.sha, "ref": b.child.ref,
				"status": b.child.status, "source": "parent_pipeline",
				"web_url": fmt.Sprintf("%s/-/pipelines/%d", c.p.WebURL, b.child.id),
			}
		}
		out = append(out, map[string]any{
			"id": b.id, "name": b.name, "stage": b.stage, "status": b.status, "ref": pl.ref,
			"web_url":             fmt.Sprintf("%s/-/jobs/%d", c.p.WebURL, b.id),
			"pipeline":            map[string]any{"id": pl.id, "ref": pl.ref, "sha": pl.sha, "status": pl.status, "project_id": c.p.ID},
			"downstream_pipeline": down,
		})
	}
	c.json(http.StatusOK, out)
}
