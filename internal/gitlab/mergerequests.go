package gitlab

import (
	"context"
	"fmt"
	"net/http"

	gl "gitlab.com/gitlab-org/api/client-go/v2"
)

// DiffRefs are the SHAs a diff comment is anchored to.
type DiffRefs struct {
	Base, Start, Head string
}

// MR is a merge request.
type MR struct {
	Thread
	SourceBranch    string
	TargetBranch    string
	SourceProjectID int64 // differs from ProjectID for a merge request from a fork
	SHA             string
	DiffRefs        DiffRefs
	Draft           bool
	// AllowCollaboration: members who may merge to the target branch may push to the source
	// branch of this MR from a fork.
	AllowCollaboration bool
	// HeadPipelineSHA is the commit of the MR's head pipeline ("" while it has none): auto-merge
	// waits for the pipeline of the pushed commit (GitLab merges at once without one).
	HeadPipelineSHA string
}

// MergeRequest reads one merge request.
func (c *Client) MergeRequest(ctx context.Context, projectID, iid int64) (MR, error) {
	var m *gl.MergeRequest
	err := c.call(ctx, func(o gl.RequestOptionFunc) (err error) {
		m, _, err = c.gl.MergeRequests.GetMergeRequest(projectID, iid, nil, o)
		return err
	})
	if err != nil {
		return MR{}, fmt.Errorf("get merge request %d!%d: %w", projectID, iid, err)
	}
	mr := toMR(&m.BasicMergeRequest)
	mr.DiffRefs = DiffRefs{Base: m.DiffRefs.BaseSha, Start: m.DiffRefs.StartSha, Head: m.DiffRefs.HeadSha}
	if m.HeadPipeline != nil {
		mr.HeadPipelineSHA = m.HeadPipeline.SHA
	}
	return mr, nil
}

func toMR(m *gl.BasicMergeRequest) MR {
	mr := MR{Thread: Thread{ProjectID: m.ProjectID, IID: m.IID, Title: m.Title, Description: m.Description,
		WebURL: m.WebURL, State: m.State, Labels: m.Labels},
		SourceBranch: m.SourceBranch, TargetBranch: m.TargetBranch, SourceProjectID: m.SourceProjectID,
		SHA: m.SHA, Draft: m.Draft, AllowCollaboration: m.AllowCollaboration}
	if m.Author != nil {
		mr.AuthorID, mr.AuthorUsername = m.Author.ID, m.Author.Username
	}
	return mr
}

// DiffFile is one changed file of a merge request.
type DiffFile struct {
	OldPath, NewPath string
	Diff             string // unified diff; empty when Truncated
	New              bool
	Deleted          bool
	Renamed          bool
	Truncated        bool // diff left out: over maxBytes, or too large for GitLab to show
}

// MergeRequestDiff lists every changed file. Diff texts are kept until their total passes
// maxBytes (0: no limit); later files keep their paths with Truncated set, so a review still
// sees what changed.
func (c *Client) MergeRequestDiff(ctx context.Context, projectID, iid int64, maxBytes int) ([]DiffFile, error) {
	diffs, err := pages(ctx, c, func(p int64, o gl.RequestOptionFunc) ([]*gl.MergeRequestDiff, *gl.Response, error) {
		return c.gl.MergeRequests.ListMergeRequestDiffs(projectID, iid,
			&gl.ListMergeRequestDiffsOptions{ListOptions: listOpts(p)}, o)
	})
	if err != nil {
		return nil, fmt.Errorf("get diff of merge request %d!%d: %w", projectID, iid, err)
	}
	files, used := make([]DiffFile, 0, len(diffs)), 0
	for _, d := range diffs {
		f := DiffFile{OldPath: d.OldPath, NewPath: d.NewPath, Diff: d.Diff, New: d.NewFile,
			Deleted: d.DeletedFile, Renamed: d.RenamedFile, Truncated: d.TooLarge || d.Collapsed}
		if maxBytes > 0 && used+len(f.Diff) > maxBytes {
			f.Diff, f.Truncated = "", true
		}
		used += len(f.Diff)
		files = append(files, f)
	}
	return files, nil
}

// FindOpenMR returns the open merge request from sourceBranch in the project, or nil.
func (c *Client) FindOpenMR(ctx context.Context, projectID int64, sourceBranch string) (*MR, error) {
	var list []*gl.BasicMergeRequest
	state := "opened"
	err := c.call(ctx, func(o gl.RequestOptionFunc) (err error) {
		list, _, err = c.gl.MergeRequests.ListProjectMergeRequests(projectID,
			&gl.ListProjectMergeRequestsOptions{State: &state, SourceBranch: &sourceBranch}, o)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find open merge request from %s in project %d: %w", sourceBranch, projectID, err)
	}
	for _, m := range list {
		if m != nil && m.SourceBranch == sourceBranch && m.SourceProjectID == projectID {
			mr := toMR(m)
			return &mr, nil
		}
	}
	return nil, nil
}

// MRCreate says what merge request to open.
type MRCreate struct {
	Source, Target     string
	Title, Description string
	RemoveSourceBranch bool
}

// CreateMR opens a merge request. It is idempotent: after a lost answer, and when GitLab says
// one already exists (409), the open merge request from the same branch is returned.
func (c *Client) CreateMR(ctx context.Context, projectID int64, m MRCreate) (MR, error) {
	var out MR
	post := func(ctx context.Context) error {
		return c.call(ctx, func(o gl.RequestOptionFunc) error {
			got, _, err := c.gl.MergeRequests.CreateMergeRequest(projectID, &gl.CreateMergeRequestOptions{
				SourceBranch: &m.Source, TargetBranch: &m.Target, Title: &m.Title,
				Description: &m.Description, RemoveSourceBranch: &m.RemoveSourceBranch}, o)
			if err == nil {
				out = toMR(&got.BasicMergeRequest)
			}
			return err
		})
	}
	find := func(ctx context.Context) (bool, error) {
		existing, err := c.FindOpenMR(ctx, projectID, m.Source)
		if existing != nil {
			out = *existing
		}
		return existing != nil, err
	}
	// A late copy of a timed-out attempt makes no second MR: GitLab keeps one open MR per source
	// branch and answers that late request 409.
	_, err := c.createOnce(ctx, post, find)
	if hasStatus(err, http.StatusConflict) {
		if found, ferr := find(ctx); ferr == nil && found {
			return out, nil
		}
	}
	if err != nil {
		return MR{}, fmt.Errorf("create merge request %s → %s in project %d: %w", m.Source, m.Target, projectID, err)
	}
	return out, nil
}

// SetAutoMerge asks GitLab to merge when the pipeline succeeds, provided the head is still
// sha. It sends both names of the setting: auto_merge exists from GitLab 17.11, and an older
// GitLab ignores it and merges at once; merge_when_pipeline_succeeds is understood by every
// version. Call it only once the MR's head pipeline for sha exists: without one GitLab merges at
// once. GitLab's refusals come back as a text a user can act on.
func (c *Client) SetAutoMerge(ctx context.Context, projectID, iid int64, sha string) error {
	yes := true
	err := c.call(ctx, func(o gl.RequestOptionFunc) error {
		_, _, err := c.gl.MergeRequests.AcceptMergeRequest(projectID, iid,
			&gl.AcceptMergeRequestOptions{AutoMerge: &yes, MergeWhenPipelineSucceeds: &yes, SHA: &sha}, o)
		return err
	})
	if err == nil {
		return nil
	}
	// A PUT retried after a lost answer may find the merge request merged by the first attempt.
	if hasStatus(err, http.StatusMethodNotAllowed) {
		if mr, merr := c.MergeRequest(ctx, projectID, iid); merr == nil && mr.State == "merged" {
			return nil
		}
	}
	return autoMergeError(projectID, iid, err)
}

func autoMergeError(projectID, iid int64, err error) error {
	ae, ok := asAPIError(err)
	if !ok {
		return fmt.Errorf("set auto-merge on %d!%d: %w", projectID, iid, err)
	}
	var why, fix string
	switch ae.Status {
	case http.StatusUnauthorized:
		why, fix = "the bot's token is not valid", "renew GITLAB_TOKEN"
	case http.StatusForbidden:
		why, fix = "the bot may not merge into the target branch", "allow it to merge, or merge by hand"
	case http.StatusMethodNotAllowed, http.StatusNotAcceptable:
		why, fix = "the merge request is not mergeable", "check for conflicts, draft status, unresolved threads or missing approvals"
	case http.StatusConflict:
		why, fix = "the merge request changed since the bot pushed (SHA mismatch)", "review the new commits and set auto-merge by hand"
	case http.StatusUnprocessableEntity:
		why, fix = "auto-merge is not available for this merge request", "check that the project runs pipelines for merge requests"
	default:
		return fmt.Errorf("set auto-merge on %d!%d: %w", projectID, iid, err)
	}
	msg := fmt.Sprintf("GitLab refused auto-merge: %s (%d)", why, ae.Status)
	if ae.Message != "" {
		msg += ": " + ae.Message
	}
	return &userError{msg: msg + "; " + fix, err: err}
}
