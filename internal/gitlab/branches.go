package gitlab

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	gl "gitlab.com/gitlab-org/api/client-go/v2"
)

// Branch is a branch of a project.
type Branch struct {
	Name      string
	CommitSHA string
	Protected bool
	CanPush   bool // whether the bot may push to it
}

// Branch reads one branch; a missing branch is ErrNotFound.
func (c *Client) Branch(ctx context.Context, projectID int64, name string) (Branch, error) {
	var b *gl.Branch
	err := c.call(ctx, func(o gl.RequestOptionFunc) (err error) {
		b, _, err = c.gl.Branches.GetBranch(projectID, name, o)
		return err
	})
	if err != nil {
		return Branch{}, fmt.Errorf("get branch %s of project %d: %w", name, projectID, err)
	}
	return toBranch(b), nil
}

func toBranch(b *gl.Branch) Branch {
	out := Branch{Name: b.Name, Protected: b.Protected, CanPush: b.CanPush}
	if b.Commit != nil {
		out.CommitSHA = b.Commit.ID
	}
	return out
}

// CreateBranch creates name at ref (a branch, tag or SHA). After a lost answer it looks the
// branch up instead of creating it again. A branch that already existed before is GitLab's
// 400 "Branch already exists": call Branch first when that can happen.
func (c *Client) CreateBranch(ctx context.Context, projectID int64, name, ref string) (Branch, error) {
	var out Branch
	post := func(ctx context.Context) error {
		return c.call(ctx, func(o gl.RequestOptionFunc) error {
			b, _, err := c.gl.Branches.CreateBranch(projectID, &gl.CreateBranchOptions{Branch: &name, Ref: &ref}, o)
			if err == nil {
				out = toBranch(b)
			}
			return err
		})
	}
	find := func(ctx context.Context) (bool, error) {
		b, err := c.Branch(ctx, projectID, name)
		if err == nil {
			out = b
			return true, nil
		}
		if hasStatus(err, 404) {
			return false, nil
		}
		return false, err
	}
	// A late copy of a timed-out attempt cannot make a second branch: git refuses to create a ref
	// that exists (GitLab's 400 "Branch already exists", which that late request gets).
	if _, err := c.createOnce(ctx, post, find); err != nil {
		return Branch{}, fmt.Errorf("create branch %s at %s in project %d: %w", name, ref, projectID, err)
	}
	return out, nil
}

// ProtectedBranch reports whether name is protected, by an exact rule or a wildcard rule like
// "release/*". It reads the rules rather than the branch, so it answers for a branch that does
// not exist yet too (and GET protected_branches/:name knows exact names only).
func (c *Client) ProtectedBranch(ctx context.Context, projectID int64, name string) (bool, error) {
	rules, err := pages(ctx, c, func(p int64, o gl.RequestOptionFunc) ([]*gl.ProtectedBranch, *gl.Response, error) {
		return c.gl.ProtectedBranches.ListProtectedBranches(projectID,
			&gl.ListProtectedBranchesOptions{ListOptions: listOpts(p)}, o)
	})
	if err != nil {
		return false, fmt.Errorf("list protected branches of project %d: %w", projectID, err)
	}
	for _, r := range rules {
		if r != nil && RuleMatches(r.Name, name) {
			return true, nil
		}
	}
	return false, nil
}

// RuleMatches follows GitLab: "*" in a protected-branch rule matches any run of characters, "/"
// included.
func RuleMatches(rule, branch string) bool {
	if !strings.Contains(rule, "*") {
		return rule == branch
	}
	pattern := strings.ReplaceAll(regexp.QuoteMeta(rule), `\*`, ".*")
	ok, _ := regexp.MatchString("^"+pattern+"$", branch)
	return ok
}

// BranchAccess is one entry of a protected branch's "allowed to push" or "allowed to merge"
// list: a role (Level; 0 is no one), one user, one group, or a deploy key. An entry naming a
// user, group or deploy key carries an access_level too (40) that is not a role.
type BranchAccess struct {
	Level       int
	UserID      int64
	GroupID     int64
	DeployKeyID int64
	Description string
}

// BranchRule is a protected-branch rule: an exact name or a wildcard such as "release/*".
type BranchRule struct {
	Name  string
	Push  []BranchAccess
	Merge []BranchAccess
}

// BranchRules lists the project's protected-branch rules with who may push and merge.
func (c *Client) BranchRules(ctx context.Context, projectID int64) ([]BranchRule, error) {
	rules, err := pages(ctx, c, func(p int64, o gl.RequestOptionFunc) ([]*gl.ProtectedBranch, *gl.Response, error) {
		return c.gl.ProtectedBranches.ListProtectedBranches(projectID,
			&gl.ListProtectedBranchesOptions{ListOptions: listOpts(p)}, o)
	})
	if err != nil {
		return nil, fmt.Errorf("list protected branches of project %d: %w", projectID, err)
	}
	out := make([]BranchRule, 0, len(rules))
	for _, r := range rules {
		if r != nil {
			out = append(out, BranchRule{Name: r.Name, Push: toAccess(r.PushAccessLevels), Merge: toAccess(r.MergeAccessLevels)})
		}
	}
	return out, nil
}

func toAccess(list []*gl.BranchAccessDescription) []BranchAccess {
	out := make([]BranchAccess, 0, len(list))
	for _, a := range list {
		if a != nil {
			out = append(out, BranchAccess{Level: int(a.AccessLevel), UserID: a.UserID, GroupID: a.GroupID,
				DeployKeyID: a.DeployKeyID, Description: a.AccessLevelDescription})
		}
	}
	return out
}

// InGroup reports whether the user is an active member of the group, inherited membership
// included (GET /groups/:id/members/all/:user_id; 404 is not a member).
func (c *Client) InGroup(ctx context.Context, groupID, userID int64) (bool, error) {
	var m *gl.GroupMember
	err := c.call(ctx, func(o gl.RequestOptionFunc) (err error) {
		m, _, err = c.gl.GroupMembers.GetInheritedGroupMember(groupID, userID, o)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check membership of user %d in group %d: %w", userID, groupID, err)
	}
	return m.State == "" || m.State == "active", nil
}
