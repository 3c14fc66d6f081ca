package gitlab

import (
	"context"
	"fmt"
	"net/http"

	gl "gitlab.com/gitlab-org/api/client-go/v2"
)

// CIJob is one job of a pipeline.
type CIJob struct {
	ProjectID int64 // the job's project: a multi-project downstream pipeline's may differ
	ID        int64
	Name      string
	Stage     string
	Status    string
	WebURL    string
}

// FailedJobs lists the failed jobs of a pipeline, at most max of them (GET
// /projects/:id/pipelines/:pipeline_id/jobs?scope[]=failed).
func (c *Client) FailedJobs(ctx context.Context, projectID, pipelineID int64, max int) ([]CIJob, error) {
	var list []*gl.Job
	scope := []gl.BuildStateValue{gl.Failed}
	err := c.call(ctx, func(o gl.RequestOptionFunc) (err error) {
		list, _, err = c.gl.Jobs.ListPipelineJobs(projectID, pipelineID,
			&gl.ListJobsOptions{Scope: &scope, ListOptions: gl.ListOptions{PerPage: int64(max)}}, o)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list the failed jobs of pipeline %d in project %d: %w", pipelineID, projectID, err)
	}
	var out []CIJob
	for _, j := range list {
		if j != nil && len(out) < max {
			out = append(out, CIJob{ProjectID: projectID, ID: j.ID, Name: j.Name, Stage: j.Stage, Status: j.Status, WebURL: j.WebURL})
		}
	}
	return out, nil
}

// JobTraceTail is the end of a job's log, at most maxBytes of it (GET
// /projects/:id/jobs/:job_id/trace). The log is streamed, never held whole: a CI log can be huge
// and only its end says what failed.
func (c *Client) JobTraceTail(ctx context.Context, projectID, jobID int64, maxBytes int) (string, bool, error) {
	var tail *tailWriter
	err := c.call(ctx, func(o gl.RequestOptionFunc) error {
		tail = &tailWriter{max: maxBytes}
		req, err := c.gl.NewRequest(http.MethodGet, fmt.Sprintf("projects/%d/jobs/%d/trace", projectID, jobID), nil, []gl.RequestOptionFunc{o})
		if err != nil {
			return err
		}
		_, err = c.gl.Do(req, tail)
		return err
	})
	if err != nil {
		return "", false, fmt.Errorf("read the log of job %d in project %d: %w", jobID, projectID, err)
	}
	return string(tail.buf), tail.cut, nil
}

// tailWriter keeps the last max bytes written to it.
type tailWriter struct {
	max int
	buf []byte
	cut bool
}

func (t *tailWriter) Write(p []byte) (int, error) {
	n := len(p)
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0:0], t.buf[over:]...)
		t.cut = true
	}
	return n, nil
}
