// Package api takes requests that come neither from a mention nor from a webhook: from a CI
// pipeline (POST /api/v1/requests with the job's CI_JOB_TOKEN, which GitLab vouches for) and
// from the operator's shell (`claude-gitlab ask`). A request is authorised as a mention by the
// user it comes from, stored in the same durable queue and answered in its issue or MR.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// MaxPromptBytes bounds a request's text.
const MaxPromptBytes = 64 << 10

// GitLab is what submitting needs of the bot's GitLab client.
type GitLab interface {
	Project(ctx context.Context, idOrPath string) (gitlab.Project, error)
	Issue(ctx context.Context, projectID, iid int64) (gitlab.Thread, error)
	MergeRequest(ctx context.Context, projectID, iid int64) (gitlab.MR, error)
	MemberAccessLevel(ctx context.Context, projectID, userID int64) (int, error)
	CreateIssue(ctx context.Context, projectID int64, title, description string) (gitlab.Thread, error)
}

// Queue stores requests and reads them back.
type Queue interface {
	Enqueue(ctx context.Context, d queue.Delivery) (queue.Outcome, error)
	Get(ctx context.Context, id int64) (queue.Info, error)
}

// Rules are the operator's settings that decide who may ask.
type Rules struct {
	MinAccessLevel  int
	AllowedUsers    []string
	AllowedProjects []string
}

// Ask is one request: a thread (an issue, an MR, or a new issue) and what is asked.
type Ask struct {
	Project      string `json:"project,omitempty"` // path or id; default: the CI job's project
	Issue        int64  `json:"issue,omitempty"`
	MergeRequest int64  `json:"merge_request,omitempty"`
	NewIssue     *struct {
		Title string `json:"title"`
	} `json:"new_issue,omitempty"`
	Prompt string `json:"prompt"`
}

// Origin says where a request came from: who asks, and how to name and dedupe it.
type Origin struct {
	User      gitlab.User
	ProjectID int64  // the default project (the CI job's); 0: none
	URL       string // the CI job's page, quoted in the reply
	CIJobID   int64
	Key       string // dedupe key: the same request from the same CI job is stored once
}

// ErrBadRequest, ErrForbidden and ErrNotFound are what a submission can fail with besides
// GitLab and the store failing.
var (
	ErrBadRequest = errors.New("bad request")
	ErrForbidden  = errors.New("not allowed")
	ErrNotFound   = errors.New("not found")
)

// Validate checks the shape of a request before anything is asked of GitLab.
func (a Ask) Validate() error {
	n := 0
	for _, set := range []bool{a.Issue > 0, a.MergeRequest > 0, a.NewIssue != nil} {
		if set {
			n++
		}
	}
	switch {
	case n != 1:
		return fmt.Errorf("%w: name exactly one of issue, merge_request or new_issue", ErrBadRequest)
	case a.NewIssue != nil && strings.TrimSpace(a.NewIssue.Title) == "":
		return fmt.Errorf("%w: new_issue needs a title", ErrBadRequest)
	case strings.TrimSpace(a.Prompt) == "":
		return fmt.Errorf("%w: prompt is empty", ErrBadRequest)
	case len(a.Prompt) > MaxPromptBytes:
		return fmt.Errorf("%w: prompt is longer than %d bytes", ErrBadRequest, MaxPromptBytes)
	}
	return nil
}

// Submitter turns requests into queued jobs.
type Submitter struct {
	GitLab GitLab
	Queue  Queue
	Rules  Rules
	Log    *slog.Logger
	Now    func() time.Time
}

// Submit authorises the request as a mention by o.User, finds (or opens) its thread and stores
// it. It returns the job id, and whether the same request was stored before.
func (s *Submitter) Submit(ctx context.Context, o Origin, a Ask) (queue.Outcome, error) {
	if err := a.Validate(); err != nil {
		return queue.Outcome{}, err
	}
	proj, err := s.project(ctx, o, a)
	if err != nil {
		return queue.Outcome{}, err
	}
	if err := s.authorise(ctx, proj, o.User); err != nil {
		return queue.Outcome{}, err
	}
	th, err := s.thread(ctx, proj, o, a)
	if err != nil {
		return queue.Outcome{}, err
	}
	req := trigger.Request{
		Reason: trigger.ReasonAPI, Task: trigger.TaskAnswer,
		Project: event.Project{ID: proj.ID, Path: proj.Path, WebURL: proj.WebURL, DefaultBranch: proj.DefaultBranch},
		Thread:  th, Author: event.User{ID: o.User.ID, Username: o.User.Username, Name: o.User.Name},
		Text: a.Prompt, URL: o.URL, CIJob: o.CIJobID, ReceivedAt: s.now().UTC(),
	}
	if th.Type == event.ThreadMergeRequest && trigger.IsReviewRequest(a.Prompt) {
		req.Task = trigger.TaskReview
	}
	var keys []string
	if o.Key != "" {
		keys = append(keys, o.Key)
	}
	out, err := s.Queue.Enqueue(ctx, queue.Delivery{Request: req, Keys: keys})
	if err != nil {
		return queue.Outcome{}, err
	}
	s.log().Info("request queued from the API", "job", out.JobID, "duplicate", out.Duplicate, "project", proj.Path,
		"thread", req.ThreadKey(), "user", o.User.Username, "ci_job", o.CIJobID)
	return out, nil
}

func (s *Submitter) project(ctx context.Context, o Origin, a Ask) (gitlab.Project, error) {
	ref := a.Project
	if ref == "" && o.ProjectID != 0 {
		ref = strconv.FormatInt(o.ProjectID, 10)
	}
	if ref == "" {
		return gitlab.Project{}, fmt.Errorf("%w: name the project", ErrBadRequest)
	}
	p, err := s.GitLab.Project(ctx, ref)
	if errors.Is(err, gitlab.ErrNotFound) || errors.Is(err, gitlab.ErrForbidden) {
		return gitlab.Project{}, fmt.Errorf("%w: project %s (or the bot is not a member)", ErrNotFound, ref)
	}
	return p, err
}

// authorise is the mention rule: ALLOWED_PROJECTS, then ALLOWED_USERS or MIN_ACCESS_LEVEL on
// the project (inherited membership counts). The job checks again before it acts.
func (s *Submitter) authorise(ctx context.Context, p gitlab.Project, u gitlab.User) error {
	if !projectAllowed(s.Rules.AllowedProjects, p.Path) {
		return fmt.Errorf("%w: %s is not in ALLOWED_PROJECTS", ErrForbidden, p.Path)
	}
	for _, name := range s.Rules.AllowedUsers {
		if strings.EqualFold(strings.TrimPrefix(name, "@"), u.Username) {
			return nil
		}
	}
	level, err := s.GitLab.MemberAccessLevel(ctx, p.ID, u.ID)
	if err != nil {
		return err
	}
	if level < s.Rules.MinAccessLevel {
		return fmt.Errorf("%w: @%s has access level %d on %s; requests need %d", ErrForbidden, u.Username, level, p.Path, s.Rules.MinAccessLevel)
	}
	return nil
}

func (s *Submitter) thread(ctx context.Context, p gitlab.Project, o Origin, a Ask) (event.Thread, error) {
	var t gitlab.Thread
	var err error
	th := event.Thread{Type: event.ThreadIssue}
	switch {
	case a.Issue > 0:
		t, err = s.GitLab.Issue(ctx, p.ID, a.Issue)
	case a.MergeRequest > 0:
		var mr gitlab.MR
		mr, err = s.GitLab.MergeRequest(ctx, p.ID, a.MergeRequest)
		t, th = mr.Thread, event.Thread{Type: event.ThreadMergeRequest, SourceBranch: mr.SourceBranch,
			TargetBranch: mr.TargetBranch, SourceProjectID: mr.SourceProjectID, TargetProjectID: p.ID, HeadSHA: mr.SHA, Draft: mr.Draft}
	default:
		desc := "Opened for a request"
		if o.URL != "" {
			desc += " from " + o.URL
		}
		desc += fmt.Sprintf(" by @%s.", o.User.Username)
		t, err = s.GitLab.CreateIssue(ctx, p.ID, a.NewIssue.Title, desc)
	}
	if errors.Is(err, gitlab.ErrNotFound) {
		return th, fmt.Errorf("%w: no such issue or merge request in %s", ErrNotFound, p.Path)
	}
	if err != nil {
		return th, err
	}
	th.IID, th.Title, th.Description, th.URL, th.State = t.IID, t.Title, t.Description, t.WebURL, t.State
	th.Confidential, th.AuthorID = t.Confidential, t.AuthorID
	return th, nil
}

func (s *Submitter) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Submitter) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// projectAllowed applies ALLOWED_PROJECTS: exact paths, or "group/*" for everything below group.
func projectAllowed(list []string, path string) bool {
	if len(list) == 0 {
		return true
	}
	for _, p := range list {
		if strings.HasSuffix(p, "/*") && strings.HasPrefix(path, strings.TrimSuffix(p, "*")) || strings.EqualFold(p, path) {
			return true
		}
	}
	return false
}
