package gitlab

import (
	"context"
	"errors"
	"fmt"

	gl "gitlab.com/gitlab-org/api/client-go/v2"
)

// Project is a repository as the bot needs it.
type Project struct {
	ID            int64
	Path          string // path with namespace, e.g. group/sub/project
	WebURL        string
	HTTPURLToRepo string
	DefaultBranch string
	Visibility    string // private, internal, public
	CIConfigPath  string // the project's CI configuration file when not .gitlab-ci.yml ("" default)
}

// Project looks a project up by numeric id or full path.
func (c *Client) Project(ctx context.Context, idOrPath string) (Project, error) {
	var p *gl.Project
	err := c.call(ctx, func(opt gl.RequestOptionFunc) (err error) {
		p, _, err = c.gl.Projects.GetProject(idOrPath, nil, opt)
		return err
	})
	if err != nil {
		return Project{}, fmt.Errorf("get project %s: %w", idOrPath, err)
	}
	return Project{ID: p.ID, Path: p.PathWithNamespace, WebURL: p.WebURL, HTTPURLToRepo: p.HTTPURLToRepo,
		DefaultBranch: p.DefaultBranch, Visibility: string(p.Visibility), CIConfigPath: p.CIConfigPath}, nil
}

// Access levels of GitLab members.
const (
	AccessNone       = 0
	AccessGuest      = 10
	AccessPlanner    = 15
	AccessReporter   = 20
	AccessDeveloper  = 30
	AccessMaintainer = 40
	AccessOwner      = 50
)

// MemberAccessLevel is the user's access level on the project, inherited membership (groups)
// included; 0 when not a member, or when the membership is not active (blocked, awaiting).
func (c *Client) MemberAccessLevel(ctx context.Context, projectID, userID int64) (int, error) {
	var m *gl.ProjectMember
	err := c.call(ctx, func(opt gl.RequestOptionFunc) (err error) {
		m, _, err = c.gl.ProjectMembers.GetInheritedProjectMember(projectID, userID, opt)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return AccessNone, nil
	}
	if err != nil {
		return 0, fmt.Errorf("get access level of user %d on project %d: %w", userID, projectID, err)
	}
	if m.State != "" && m.State != "active" {
		return AccessNone, nil
	}
	return int(m.AccessLevel), nil
}

// Thread is what an issue and a merge request have in common.
type Thread struct {
	ProjectID      int64
	IID            int64
	Title          string
	Description    string
	AuthorID       int64
	AuthorUsername string
	WebURL         string
	State          string // opened, closed, merged, locked
	Confidential   bool
	Labels         []string
}

// Issue reads one issue.
func (c *Client) Issue(ctx context.Context, projectID, iid int64) (Thread, error) {
	var is *gl.Issue
	err := c.call(ctx, func(opt gl.RequestOptionFunc) (err error) {
		is, _, err = c.gl.Issues.GetIssue(projectID, iid, opt)
		return err
	})
	if err != nil {
		return Thread{}, fmt.Errorf("get issue %d#%d: %w", projectID, iid, err)
	}
	t := Thread{ProjectID: is.ProjectID, IID: is.IID, Title: is.Title, Description: is.Description,
		WebURL: is.WebURL, State: is.State, Confidential: is.Confidential, Labels: is.Labels}
	if is.Author != nil {
		t.AuthorID, t.AuthorUsername = is.Author.ID, is.Author.Username
	}
	return t, nil
}

// MemberLevels are the access levels (inherited membership included) of the given users on the
// project, in one request per hundred users (members/all filtered by user_ids): users missing
// from the map are not active members.
func (c *Client) MemberLevels(ctx context.Context, projectID int64, userIDs []int64) (map[int64]int, error) {
	out := map[int64]int{}
	for start := 0; start < len(userIDs); start += perPage {
		ids := userIDs[start:min(start+perPage, len(userIDs))]
		var members []*gl.ProjectMember
		err := c.call(ctx, func(opt gl.RequestOptionFunc) (err error) {
			members, _, err = c.gl.ProjectMembers.ListAllProjectMembers(projectID,
				&gl.ListProjectMembersOptions{ListOptions: listOpts(1), UserIDs: &ids}, opt)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("read the roles of %d users on project %d: %w", len(ids), projectID, err)
		}
		for _, m := range members {
			if m != nil && (m.State == "" || m.State == "active") {
				out[m.ID] = max(out[m.ID], int(m.AccessLevel))
			}
		}
	}
	return out, nil
}
