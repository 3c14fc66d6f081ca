package gitlab

import (
	"context"
	"fmt"

	gl "gitlab.com/gitlab-org/api/client-go/v2"
)

// RawFile reads a file of the repository at ref (a branch, tag or SHA); a missing file or ref is
// ErrNotFound.
func (c *Client) RawFile(ctx context.Context, projectID int64, path, ref string) ([]byte, error) {
	var data []byte
	err := c.call(ctx, func(opt gl.RequestOptionFunc) (err error) {
		data, _, err = c.gl.RepositoryFiles.GetRawFile(projectID, path, &gl.GetRawFileOptions{Ref: gl.Ptr(ref)}, opt)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read %s at %s of project %d: %w", path, ref, projectID, err)
	}
	return data, nil
}
