package gitlab

import (
	"context"
	"fmt"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go/v2"
)

// Search is a bounded listing of issues or merge requests: one page of at most Limit, newest
// first.
type Search struct {
	Text   string   // in title and description
	Labels []string // all of them
	State  string   // opened, closed, merged (merge requests), all; "" is all
	// NoConfidential leaves confidential issues out on the server's side.
	NoConfidential bool
	Limit          int // 1..100
}

func (s Search) perPage() int64 { return int64(min(max(s.Limit, 1), perPage)) }

// SearchIssues lists the project's issues that match s (GET /projects/:id/issues).
func (c *Client) SearchIssues(ctx context.Context, projectID int64, s Search) ([]Thread, error) {
	opt := &gl.ListProjectIssuesOptions{ListOptions: gl.ListOptions{PerPage: s.perPage(), Page: 1}}
	if s.Text != "" {
		opt.Search = gl.Ptr(s.Text)
	}
	if len(s.Labels) > 0 {
		opt.Labels = gl.Ptr(gl.LabelOptions(s.Labels))
	}
	if s.State != "" {
		opt.State = gl.Ptr(s.State)
	}
	if s.NoConfidential {
		opt.Confidential = gl.Ptr(false)
	}
	var list []*gl.Issue
	err := c.call(ctx, func(o gl.RequestOptionFunc) (err error) {
		list, _, err = c.gl.Issues.ListProjectIssues(projectID, opt, o)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("search the issues of project %d: %w", projectID, err)
	}
	out := make([]Thread, 0, len(list))
	for _, is := range list {
		t := Thread{ProjectID: is.ProjectID, IID: is.IID, Title: is.Title, Description: is.Description,
			WebURL: is.WebURL, State: is.State, Confidential: is.Confidential, Labels: is.Labels}
		if is.Author != nil {
			t.AuthorID, t.AuthorUsername = is.Author.ID, is.Author.Username
		}
		out = append(out, t)
	}
	return out, nil
}

// SearchMergeRequests lists the project's merge requests that match s.
func (c *Client) SearchMergeRequests(ctx context.Context, projectID int64, s Search) ([]MR, error) {
	opt := &gl.ListProjectMergeRequestsOptions{ListOptions: gl.ListOptions{PerPage: s.perPage(), Page: 1}}
	if s.Text != "" {
		opt.Search = gl.Ptr(s.Text)
	}
	if len(s.Labels) > 0 {
		opt.Labels = gl.Ptr(gl.LabelOptions(s.Labels))
	}
	if s.State != "" {
		opt.State = gl.Ptr(s.State)
	}
	var list []*gl.BasicMergeRequest
	err := c.call(ctx, func(o gl.RequestOptionFunc) (err error) {
		list, _, err = c.gl.MergeRequests.ListProjectMergeRequests(projectID, opt, o)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("search the merge requests of project %d: %w", projectID, err)
	}
	out := make([]MR, 0, len(list))
	for _, m := range list {
		out = append(out, toMR(m))
	}
	return out, nil
}

// TreeEntry is one entry of a repository folder.
type TreeEntry struct {
	Name, Path string
	Type       string // blob, tree, commit (a submodule)
}

// Tree lists one folder of the repository at ref, at most max entries; more reports that
// there were more.
func (c *Client) Tree(ctx context.Context, projectID int64, path, ref string, max int) (entries []TreeEntry, more bool, err error) {
	opt := &gl.ListTreeOptions{ListOptions: gl.ListOptions{PerPage: perPage}, Ref: gl.Ptr(ref)}
	if path != "" {
		opt.Path = gl.Ptr(path)
	}
	for page := int64(1); page != 0 && len(entries) < max; {
		opt.Page = page
		var next int64
		err := c.call(ctx, func(o gl.RequestOptionFunc) error {
			list, resp, err := c.gl.Repositories.ListTree(projectID, opt, o)
			for _, n := range list {
				entries = append(entries, TreeEntry{Name: n.Name, Path: n.Path, Type: n.Type})
			}
			if resp != nil {
				next = resp.NextPage
			}
			return err
		})
		if err != nil {
			return nil, false, fmt.Errorf("list %q at %s of project %d: %w", path, ref, projectID, err)
		}
		page = next
		more = next != 0
	}
	if len(entries) > max {
		entries, more = entries[:max], true
	}
	return entries, more, nil
}

// CommitInfo is a commit as a listing shows it.
type CommitInfo struct {
	SHA, Title, Author string
	Date               time.Time
}

// Compare lists the commits reachable from to and not from from, oldest first, at most max (the
// newest are kept); total is how many there were.
func (c *Client) Compare(ctx context.Context, projectID int64, from, to string, max int) (commits []CommitInfo, total int, err error) {
	var cmp *gl.Compare
	err = c.call(ctx, func(o gl.RequestOptionFunc) (err error) {
		cmp, _, err = c.gl.Repositories.Compare(projectID, &gl.CompareOptions{From: gl.Ptr(from), To: gl.Ptr(to)}, o)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("compare %s...%s in project %d: %w", from, to, projectID, err)
	}
	list := cmp.Commits
	total = len(list)
	if len(list) > max {
		list = list[len(list)-max:]
	}
	for _, x := range list {
		ci := CommitInfo{SHA: x.ID, Title: x.Title, Author: x.AuthorName}
		if x.CommittedDate != nil {
			ci.Date = *x.CommittedDate
		}
		commits = append(commits, ci)
	}
	return commits, total, nil
}

// PipelineJobs lists the jobs of a pipeline, at most max of them.
func (c *Client) PipelineJobs(ctx context.Context, projectID, pipelineID int64, max int) ([]CIJob, error) {
	var list []*gl.Job
	err := c.call(ctx, func(o gl.RequestOptionFunc) (err error) {
		list, _, err = c.gl.Jobs.ListPipelineJobs(projectID, pipelineID,
			&gl.ListJobsOptions{ListOptions: gl.ListOptions{PerPage: int64(min(max, perPage))}}, o)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list the jobs of pipeline %d in project %d: %w", pipelineID, projectID, err)
	}
	var out []CIJob
	for _, j := range list {
		if j != nil && len(out) < max {
			out = append(out, CIJob{ID: j.ID, Name: j.Name, Stage: j.Stage, Status: j.Status, WebURL: j.WebURL})
		}
	}
	return out, nil
}
