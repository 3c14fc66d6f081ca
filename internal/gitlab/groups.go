package gitlab

import (
	"context"
	"fmt"

	gl "gitlab.com/gitlab-org/api/client-go/v2"
)

// GroupProjects lists the projects of a group and its subgroups that the token can see,
// archived ones left out.
func (c *Client) GroupProjects(ctx context.Context, group string) ([]Project, error) {
	items, err := pages(ctx, c, func(page int64, o gl.RequestOptionFunc) ([]*gl.Project, *gl.Response, error) {
		return c.gl.Groups.ListGroupProjects(group, &gl.ListGroupProjectsOptions{ListOptions: listOpts(page),
			IncludeSubGroups: gl.Ptr(true), Archived: gl.Ptr(false)}, o)
	})
	if err != nil {
		return nil, fmt.Errorf("list projects of group %s: %w", group, err)
	}
	out := make([]Project, 0, len(items))
	for _, p := range items {
		if p != nil {
			out = append(out, Project{ID: p.ID, Path: p.PathWithNamespace, WebURL: p.WebURL, HTTPURLToRepo: p.HTTPURLToRepo,
				DefaultBranch: p.DefaultBranch, Visibility: string(p.Visibility)})
		}
	}
	return out, nil
}
