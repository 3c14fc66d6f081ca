package fakegitlab

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
)

// ciJob is one job of a pipeline, with its log.
type ciJob struct {
	id     int64
	name   string
	stage  string
	status string
	trace  string
}

// FailPipelineEvent records a failed pipeline at the head of branch, pushed by userID, whose jobs
// named in failedJobs failed with those logs; it returns the pipeline's id and the Pipeline Hook
// GitLab sends for a branch pipeline (source push, no merge_request), shaped as the real sample
// ../shared/gitlab-payloads/pipeline_success.json with status failed.
func (g *GitLab) FailPipelineEvent(projectID int64, branch string, userID int64, failedJobs map[string]string) (id int64, event string, payload []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	sha := g.branchSHA(p, branch)
	if sha == "" {
		panic("fakegitlab: FailPipelineEvent: no branch " + branch)
	}
	pl := &pipeline{id: g.st.nextID("pipeline"), sha: sha, ref: branch, status: "failed"}
	p.pipelines[sha] = pl
	names := make([]string, 0, len(failedJobs))
	for name := range failedJobs {
		names = append(names, name)
	}
	sort.Strings(names)
	pl.jobs = append(pl.jobs, &ciJob{id: g.st.nextID("job"), name: "build", stage: "build", status: "success", trace: "ok\n"})
	for _, name := range names {
		pl.jobs = append(pl.jobs, &ciJob{id: g.st.nextID("job"), name: name, stage: "test", status: "failed", trace: failedJobs[name]})
	}
	return pl.id, "Pipeline Hook", g.pipelineHook(p, pl, userID, "push", nil)
}

// pipelineHook is the Pipeline Hook payload of pl; source is object_attributes.source ("push",
// "parent_pipeline", …) and sourcePipeline the payload's source_pipeline (a child's parent).
func (g *GitLab) pipelineHook(p *project, pl *pipeline, userID int64, source string, sourcePipeline map[string]any) []byte {
	branch, sha := pl.ref, pl.sha
	now := hookTime(g.now())
	builds := []any{}
	for _, j := range pl.jobs {
		builds = append(builds, map[string]any{
			"id": j.id, "stage": j.stage, "name": j.name, "status": j.status, "created_at": now,
			"started_at": now, "finished_at": now, "duration": 1.0, "queued_duration": 0.1,
			"when": "on_success", "manual": false, "allow_failure": false, "user": g.hookUser(userID),
			"runner": nil, "artifacts_file": map[string]any{"filename": nil, "size": nil}, "environment": nil,
		})
	}
	c := g.commitJSON(p, sha)
	m := map[string]any{
		"object_kind": "pipeline",
		"object_attributes": map[string]any{
			"id": pl.id, "iid": pl.id, "name": nil, "ref": branch, "tag": false, "sha": sha, "before_sha": sha,
			"source": source, "status": pl.status, "detailed_status": pl.status, "stages": []string{"build", "test"},
			"created_at": now, "finished_at": now, "duration": 63, "queued_duration": 1, "variables": []any{},
			"url": fmt.Sprintf("%s/-/pipelines/%d", p.WebURL, pl.id),
		},
		"merge_request": nil,
		"user":          g.hookUser(userID),
		"project":       g.hookProject(p),
		"commit": map[string]any{
			"id": sha, "message": c.Message, "title": c.Title, "timestamp": c.AuthoredDate,
			"url":    fmt.Sprintf("%s/-/commit/%s", p.WebURL, sha),
			"author": map[string]any{"name": c.AuthorName, "email": c.AuthorEmail},
		},
		"builds": builds,
	}
	if sourcePipeline != nil {
		m["source_pipeline"] = sourcePipeline
	}
	return mustJSON(m)
}

func (g *GitLab) pipelineRoutes(api func(string, int, func(*call))) {
	api("GET /projects/{id}/pipelines/{pipeline_id}/jobs", Reporter, g.listPipelineJobs)
	api("GET /projects/{id}/pipelines/{pipeline_id}/bridges", Reporter, g.listPipelineBridges)
	api("GET /projects/{id}/jobs/{job_id}/trace", Reporter, g.getJobTrace)
}

// listPipelineJobs honours scope[] (e.g. failed), as GitLab does.
func (g *GitLab) listPipelineJobs(c *call) {
	pl := findPipeline(c.p, c.pathInt("pipeline_id"))
	if pl == nil {
		notFound(c.w, "Pipeline")
		return
	}
	scope := c.r.URL.Query()["scope[]"]
	out := []map[string]any{}
	for _, j := range pl.jobs {
		if len(scope) > 0 && !slices.Contains(scope, j.status) {
			continue
		}
		out = append(out, map[string]any{
			"id": j.id, "name": j.name, "stage": j.stage, "status": j.status, "ref": pl.ref,
			"web_url":  fmt.Sprintf("%s/-/jobs/%d", c.p.WebURL, j.id),
			"pipeline": map[string]any{"id": pl.id, "ref": pl.ref, "sha": pl.sha, "status": pl.status},
		})
	}
	c.json(http.StatusOK, out)
}

func (g *GitLab) getJobTrace(c *call) {
	for _, pl := range allPipelines(c.p) {
		for _, j := range pl.jobs {
			if j.id == c.pathInt("job_id") {
				c.w.Header().Set("Content-Type", "text/plain")
				_, _ = c.w.Write([]byte(j.trace))
				return
			}
		}
	}
	notFound(c.w, "Job")
}

// EnablePipelineEvents subscribes the project's hooks to pipeline events ("Pipeline events" in
// the hook's settings; `setup --pipeline`).
func (g *GitLab) EnablePipelineEvents(projectID int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, h := range g.mustProject(projectID).hooks {
		h.PipelineEvents = true
	}
}
