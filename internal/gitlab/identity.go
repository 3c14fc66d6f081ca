package gitlab

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	gl "gitlab.com/gitlab-org/api/client-go/v2"
)

// UserByID reads a user by id: whether it is a bot (access-token bots, service accounts), and its
// current username.
func (c *Client) UserByID(ctx context.Context, id int64) (User, error) {
	var u apiUser
	err := c.call(ctx, func(opt gl.RequestOptionFunc) error {
		req, err := c.gl.NewRequest(http.MethodGet, "users/"+strconv.FormatInt(id, 10), nil, []gl.RequestOptionFunc{opt})
		if err != nil {
			return err
		}
		_, err = c.gl.Do(req, &u)
		return err
	})
	if err != nil {
		return User{}, fmt.Errorf("get user %d: %w", id, err)
	}
	return User{ID: u.ID, Username: u.Username, Name: u.Name, Bot: u.Bot}, nil
}

// Namespace is a group (or a user's namespace) by id or full path.
type Namespace struct {
	ID, ParentID int64
	FullPath     string
	Kind         string // group or user
}

// Namespace reads a namespace by id or full path.
func (c *Client) Namespace(ctx context.Context, idOrPath string) (Namespace, error) {
	var n *gl.Namespace
	err := c.call(ctx, func(opt gl.RequestOptionFunc) (err error) {
		n, _, err = c.gl.Namespaces.GetNamespace(idOrPath, opt)
		return err
	})
	if err != nil {
		return Namespace{}, fmt.Errorf("get namespace %s: %w", idOrPath, err)
	}
	return Namespace{ID: n.ID, ParentID: n.ParentID, FullPath: n.FullPath, Kind: n.Kind}, nil
}

// maxDepth bounds a walk up the groups (GitLab allows 20 levels).
const maxDepth = 21

// ProjectAncestors are the ids of the groups a project is in, its own namespace first: they do not
// change when a group is renamed, so allow-lists by id survive renames and re-claimed names.
func (c *Client) ProjectAncestors(ctx context.Context, projectID int64) ([]int64, error) {
	var p *gl.Project
	err := c.call(ctx, func(opt gl.RequestOptionFunc) (err error) {
		p, _, err = c.gl.Projects.GetProject(projectID, nil, opt)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get project %d: %w", projectID, err)
	}
	if p.Namespace == nil {
		return nil, nil
	}
	out := []int64{p.Namespace.ID}
	parent := p.Namespace.ParentID
	for parent != 0 && len(out) < maxDepth {
		n, err := c.Namespace(ctx, strconv.FormatInt(parent, 10))
		if err != nil {
			return nil, err
		}
		out = append(out, n.ID)
		parent = n.ParentID
	}
	return out, nil
}
