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
