package gitlab

import (
	"context"
	"fmt"

	gl "gitlab.com/gitlab-org/api/client-go/v2"
)

// maxPipelineDepth bounds how far FailedJobsInTree follows bridges into downstream pipelines.
const maxPipelineDepth = 3

// FailedJobsInTree lists the failed jobs of a pipeline and of the downstream (child or
// multi-project) pipelines its bridges started, at most max of them. GET …/pipelines/:id/jobs
// lists no bridge: a failure in a child pipeline shows there only as a failed bridge under GET
// …/pipelines/:id/bridges, whose downstream_pipeline holds the failed jobs and their logs. A
// downstream pipeline is followed when it failed, whatever its bridge says (without
// `strategy: depend` the bridge passes as soon as the child starts).
func (c *Client) FailedJobsInTree(ctx context.Context, projectID, pipelineID int64, max int) ([]CIJob, error) {
	var out []CIJob
	type node struct{ project, pipeline int64 }
	level := []node{{projectID, pipelineID}}
	for depth := 0; depth < maxPipelineDepth && len(level) > 0 && len(out) < max; depth++ {
		var next []node
		for _, n := range level {
			jobs, err := c.FailedJobs(ctx, n.project, n.pipeline, max-len(out))
			if err != nil {
				return nil, err
			}
			out = append(out, jobs...)
			if len(out) >= max {
				return out[:max], nil
			}
			bridges, err := c.bridges(ctx, n.project, n.pipeline)
			if err != nil {
				return nil, err
			}
			for _, b := range bridges {
				if d := b.DownstreamPipeline; d != nil && d.Status == "failed" {
					next = append(next, node{cmpOr(d.ProjectID, n.project), d.ID})
				}
			}
		}
		level = next
	}
	return out, nil
}

func (c *Client) bridges(ctx context.Context, projectID, pipelineID int64) ([]*gl.Bridge, error) {
	list, err := pages(ctx, c, func(page int64, o gl.RequestOptionFunc) ([]*gl.Bridge, *gl.Response, error) {
		return c.gl.Jobs.ListPipelineBridges(projectID, pipelineID, &gl.ListJobsOptions{ListOptions: listOpts(page)}, o)
	})
	if err != nil {
		return nil, fmt.Errorf("list the bridges of pipeline %d in project %d: %w", pipelineID, projectID, err)
	}
	return list, nil
}

func cmpOr(a, b int64) int64 {
	if a != 0 {
		return a
	}
	return b
}
