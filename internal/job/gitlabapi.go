package job

import (
	"context"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
)

// Notes are a thread's comments: what every task answered in a thread posts and edits.
type Notes interface {
	ListNotes(ctx context.Context, t gitlab.ThreadRef, opts gitlab.ListNotesOptions) ([]gitlab.Note, error)
	FindNote(ctx context.Context, t gitlab.ThreadRef, marker string) (gitlab.Note, bool, error)
	PostNote(ctx context.Context, t gitlab.ThreadRef, discussionID, body string, internal bool, marker string) (gitlab.Note, error)
	UpdateNote(ctx context.Context, t gitlab.ThreadRef, noteID int64, body string) error
	Award(ctx context.Context, t gitlab.ThreadRef, noteID int64, name string) error
}

// Issues are what an answer reads of an issue, and the label trigger's label that comes off.
type Issues interface {
	Issue(ctx context.Context, projectID, iid int64) (gitlab.Thread, error)
	RemoveLabel(ctx context.Context, t gitlab.ThreadRef, label string) error
}

// MergeRequests are what an answer reads of a merge request, and what a change opens and merges.
type MergeRequests interface {
	MergeRequest(ctx context.Context, projectID, iid int64) (gitlab.MR, error)
	MergeRequestDiff(ctx context.Context, projectID, iid int64, maxBytes int) ([]gitlab.DiffFile, error)
	FindOpenMR(ctx context.Context, projectID int64, sourceBranch string) (*gitlab.MR, error)
	CreateMR(ctx context.Context, projectID int64, m gitlab.MRCreate) (gitlab.MR, error)
	SetAutoMerge(ctx context.Context, projectID, iid int64, sha string) error
}

// Branches are what a push decides on: a branch's head, its protection, the project's rules.
type Branches interface {
	Branch(ctx context.Context, projectID int64, name string) (gitlab.Branch, error)
	ProtectedBranch(ctx context.Context, projectID int64, name string) (bool, error)
	BranchRules(ctx context.Context, projectID int64) ([]gitlab.BranchRule, error)
}

// Pipelines are what a pipeline fix reads of the jobs that failed.
type Pipelines interface {
	FailedJobsInTree(ctx context.Context, projectID, pipelineID int64, max int) ([]gitlab.CIJob, error)
	JobTraceTail(ctx context.Context, projectID, jobID int64, maxBytes int) (string, bool, error)
}

// People are who asks and what they may do: authorisation, roles, stopping others' jobs. The
// wiki's webhook names its user without an id; refusals say what older GitLab versions cannot see.
type People interface {
	CurrentUser(ctx context.Context) (gitlab.User, error)
	UserByID(ctx context.Context, id int64) (gitlab.User, error)
	UserByUsername(ctx context.Context, username string) (gitlab.User, error)
	MemberAccessLevel(ctx context.Context, projectID, userID int64) (int, error)
	MemberLevels(ctx context.Context, projectID int64, userIDs []int64) (map[int64]int, error)
	InGroup(ctx context.Context, groupID, userID int64) (bool, error)
	Version(ctx context.Context) (string, error)
}

// Projects are a project, its place among groups, and files of its default branch (settings,
// CLAUDE.md).
type Projects interface {
	Project(ctx context.Context, idOrPath string) (gitlab.Project, error)
	Namespace(ctx context.Context, idOrPath string) (gitlab.Namespace, error)
	ProjectAncestors(ctx context.Context, projectID int64) ([]int64, error)
	RawFile(ctx context.Context, projectID int64, path, ref string) ([]byte, error)
}
