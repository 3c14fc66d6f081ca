package job

import (
	"context"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
)

// hidesSharedMembers returns GitLab's version when someone GitLab does not list as a member
// (level 0) is refused on a GitLab before 17.0, whose members/all leaves out members of groups
// invited into the project; "" otherwise (a member below the role, a newer or hidden version).
func (r *Runner) hidesSharedMembers(ctx context.Context, level int) string {
	if level != 0 {
		return ""
	}
	v, err := r.GitLab.Version(ctx)
	if err != nil {
		return ""
	}
	if shared, known := gitlab.AtLeast(v, gitlab.SinceMembersAllShared); known && !shared {
		return v
	}
	return ""
}
