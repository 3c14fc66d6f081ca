package fakegitlab

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// CI job tokens: a running CI job's $CI_JOB_TOKEN authenticates GET /job (JOB-TOKEN header,
// job_token parameter or a Bearer header), which answers the job with its user and pipeline.
// The token stops working when the job finishes: 401, as GitLab answers any unknown token.

type tokenJob struct {
	id, projectID, userID, pipelineID int64
	token                             string
	status                            string // running, success
	created                           time.Time
}

// CIJob is a running CI job as a test sees it.
type CIJob struct {
	ID, PipelineID int64
	Token          string // its CI_JOB_TOKEN
}

// StartCIJob starts a CI job of a pipeline run by userID in the project.
func (g *GitLab) StartCIJob(projectID, userID int64) CIJob {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.mustProject(projectID)
	j := &tokenJob{id: g.st.nextID("build"), projectID: projectID, userID: userID, pipelineID: g.st.nextID("pipeline"),
		token: "fake-ci-job-token-" + newTokenValue(), status: "running", created: g.now()}
	g.st.ciJobs = append(g.st.ciJobs, j)
	return CIJob{ID: j.id, PipelineID: j.pipelineID, Token: j.token}
}

// FinishCIJob ends a CI job: its token no longer authenticates.
func (g *GitLab) FinishCIJob(id int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, j := range g.st.ciJobs {
		if j.id == id {
			j.status = "success"
		}
	}
}

func jobTokenFromRequest(r *http.Request) string {
	if t := r.Header.Get("JOB-TOKEN"); t != "" {
		return t
	}
	if t := r.URL.Query().Get("job_token"); t != "" {
		return t
	}
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

// getJobOfToken is GET /job.
func (g *GitLab) getJobOfToken(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	tok := jobTokenFromRequest(r)
	for _, j := range g.st.ciJobs {
		if tok != "" && j.token == tok && j.status == "running" {
			p, u := g.st.projects[j.projectID], g.userByID(j.userID)
			writeJSON(w, http.StatusOK, &gitlab.Job{
				ID: j.id, Name: "ask-claude", Stage: "test", Status: j.status, Ref: p.DefaultBranch, CreatedAt: &j.created,
				Pipeline: gitlab.JobPipeline{ID: j.pipelineID, ProjectID: p.ID, Ref: p.DefaultBranch, Status: "running"},
				User:     &gitlab.User{ID: u.ID, Username: u.Username, Name: u.Name, State: "active"},
				WebURL:   fmt.Sprintf("%s/-/jobs/%d", p.WebURL, j.id),
			})
			return
		}
	}
	writeMessage(w, http.StatusUnauthorized, "401 Unauthorized")
}

// postIssue is POST /projects/:id/issues.
func (g *GitLab) postIssue(c *call) {
	if strings.TrimSpace(c.in.str("title")) == "" {
		missingParam(c.w, "title")
		return
	}
	is := g.createIssue(c.p, c.user.ID, c.in.str("title"), c.in.str("description"), c.in.boolean("confidential"))
	c.json(http.StatusCreated, g.issueJSON(c.p, is))
}
