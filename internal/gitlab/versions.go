package gitlab

import (
	"context"
	"fmt"

	gl "gitlab.com/gitlab-org/api/client-go/v2"
)

// DiffVersion is one version of a merge request's diff (GitLab adds one per push): the SHAs a
// diff comment on it must name.
type DiffVersion struct {
	ID int64
	DiffRefs
}

// MergeRequestVersions lists the merge request's diff versions, newest first.
func (c *Client) MergeRequestVersions(ctx context.Context, projectID, iid int64) ([]DiffVersion, error) {
	vs, err := pages(ctx, c, func(p int64, o gl.RequestOptionFunc) ([]*gl.MergeRequestDiffVersion, *gl.Response, error) {
		return c.gl.MergeRequests.GetMergeRequestDiffVersions(projectID, iid,
			&gl.GetMergeRequestDiffVersionsOptions{ListOptions: listOpts(p)}, o)
	})
	if err != nil {
		return nil, fmt.Errorf("list diff versions of merge request %d!%d: %w", projectID, iid, err)
	}
	out := make([]DiffVersion, 0, len(vs))
	for _, v := range vs {
		out = append(out, DiffVersion{ID: v.ID, DiffRefs: DiffRefs{Base: v.BaseCommitSHA, Start: v.StartCommitSHA, Head: v.HeadCommitSHA}})
	}
	return out, nil
}

// MergeRequestVersionDiff returns the changed files of one diff version: the diff whose lines
// a comment anchored to that version's SHAs may point at.
func (c *Client) MergeRequestVersionDiff(ctx context.Context, projectID, iid, versionID int64) ([]DiffFile, error) {
	var v *gl.MergeRequestDiffVersion
	err := c.call(ctx, func(o gl.RequestOptionFunc) (err error) {
		v, _, err = c.gl.MergeRequests.GetSingleMergeRequestDiffVersion(projectID, iid, versionID, nil, o)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get diff version %d of merge request %d!%d: %w", versionID, projectID, iid, err)
	}
	files := make([]DiffFile, 0, len(v.Diffs))
	for _, d := range v.Diffs {
		files = append(files, DiffFile{OldPath: d.OldPath, NewPath: d.NewPath, Diff: d.Diff, New: d.NewFile,
			Deleted: d.DeletedFile, Renamed: d.RenamedFile})
	}
	return files, nil
}
