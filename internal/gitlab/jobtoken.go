package gitlab

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go/v2"
)

// ErrBadJobToken means GitLab did not accept a CI job token: wrong, expired (its job finished)
// or not a job token at all.
var ErrBadJobToken = errors.New("gitlab: the CI job token was not accepted")

// CIJobOwner is what GitLab says about the CI job a job token belongs to.
type CIJobOwner struct {
	JobID      int64
	JobURL     string
	PipelineID int64
	ProjectID  int64
	User       User // who ran the pipeline
}

// JobOfToken asks GitLab (GET /job) whose CI job token this is. The call carries only that
// token, never the bot's, and is not counted against the bot's rate limit or token health.
func (c *Client) JobOfToken(ctx context.Context, jobToken string) (CIJobOwner, error) {
	if jobToken == "" {
		return CIJobOwner{}, ErrBadJobToken
	}
	jc, err := gl.NewJobClient(jobToken, gl.WithBaseURL(c.base.String()), gl.WithoutRetries(),
		gl.WithHTTPClient(&http.Client{Timeout: 10 * time.Second}), gl.WithUserAgent("claude-gitlab"))
	if err != nil {
		return CIJobOwner{}, fmt.Errorf("gitlab: job token client: %w", err)
	}
	job, resp, err := jc.Jobs.GetJobTokensJob(nil, gl.WithContext(ctx))
	if resp != nil && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusNotFound) {
		return CIJobOwner{}, ErrBadJobToken
	}
	if err != nil {
		return CIJobOwner{}, fmt.Errorf("gitlab: GET /job: %w", err)
	}
	if job.User == nil || job.User.ID == 0 || job.Pipeline.ProjectID == 0 {
		return CIJobOwner{}, fmt.Errorf("gitlab: GET /job answered without a user or project")
	}
	return CIJobOwner{JobID: job.ID, JobURL: job.WebURL, PipelineID: job.Pipeline.ID, ProjectID: job.Pipeline.ProjectID,
		User: User{ID: job.User.ID, Username: job.User.Username, Name: job.User.Name}}, nil
}

// CreateIssue opens an issue as the bot and returns it.
func (c *Client) CreateIssue(ctx context.Context, projectID int64, title, description string) (Thread, error) {
	var is *gl.Issue
	err := c.call(ctx, func(o gl.RequestOptionFunc) (err error) {
		is, _, err = c.gl.Issues.CreateIssue(projectID, &gl.CreateIssueOptions{Title: &title, Description: &description}, o)
		return err
	})
	if err != nil {
		return Thread{}, fmt.Errorf("create issue in project %d: %w", projectID, err)
	}
	return Thread{ProjectID: is.ProjectID, IID: is.IID, Title: is.Title, Description: is.Description,
		WebURL: is.WebURL, State: is.State, Confidential: is.Confidential}, nil
}
