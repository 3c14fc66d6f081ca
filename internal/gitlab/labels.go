package gitlab

import (
	"context"
	"fmt"

	gl "gitlab.com/gitlab-org/api/client-go/v2"
)

// RemoveLabel takes a label off an issue or merge request; a label it does not have is fine.
func (c *Client) RemoveLabel(ctx context.Context, t ThreadRef, label string) error {
	labels := gl.LabelOptions{label}
	err := c.call(ctx, func(o gl.RequestOptionFunc) error {
		var err error
		switch t.Type {
		case TypeIssue:
			_, _, err = c.gl.Issues.UpdateIssue(t.ProjectID, t.IID, &gl.UpdateIssueOptions{RemoveLabels: &labels}, o)
		case TypeMergeRequest:
			_, _, err = c.gl.MergeRequests.UpdateMergeRequest(t.ProjectID, t.IID, &gl.UpdateMergeRequestOptions{RemoveLabels: &labels}, o)
		default:
			return t.unsupported()
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("remove label %q from %s: %w", label, t, err)
	}
	return nil
}
