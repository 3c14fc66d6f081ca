package publish

import (
	"context"
	"log/slog"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

// Publisher carries out what a job shows in GitLab: the answer, the change (push, merge request,
// auto-merge) and the suggestion. It reaches GitLab through one small interface per need, all of
// which gitlab.Client satisfies, and records every side effect as a step of the job (Job.Steps),
// so that a job resumed after a crash never posts or pushes anything twice.
type Publisher struct {
	Notes    Notes
	Branches Branches
	MRs      MergeRequests
	Files    Files
	Projects Projects
	Diffs    Diffs
	Options  Options
	Redact   func(string) string
}

// Options are the operator's (and the project's) choices about publishing.
type Options struct {
	UseMR               bool          // GITLAB_USE_MR: a change always goes to a new branch and MR
	AutoMerge           bool          // set auto-merge on the MRs we open
	BranchPrefix        string        // of our new branches
	ConfidentialChanges bool          // CONFIDENTIAL_CHANGES=allow
	PipelineWait        time.Duration // the longest wait for an MR's head pipeline; 0: 3 minutes
}

// Job is the job a Publisher works for.
type Job struct {
	ID        int64
	Attempt   int
	Request   trigger.Request
	Thread    gitlab.ThreadRef
	Steps     jobstate.Steps
	Requester *Requester
	Log       *slog.Logger
	// Project is the job's project (clone URL, default branch, web URL, visibility), read once.
	Project func(ctx context.Context) (gitlab.Project, error)
	// Worktree is the worktree holding the job's commit, prepared on first use.
	Worktree func(ctx context.Context) (*workspace.Workspace, error)
}

func (j Job) confidential() bool { return Confidential(j.Request) }

// Confidential says whether the request's thread is confidential: nothing of it may reach a
// place others can read.
func Confidential(r trigger.Request) bool { return r.Confidential || r.Thread.Confidential }

func (p *Publisher) redact(s string) string {
	if p.Redact == nil {
		return s
	}
	return p.Redact(s)
}

// Notes posts and finds the notes of a thread.
type Notes interface {
	FindNote(ctx context.Context, t gitlab.ThreadRef, marker string) (gitlab.Note, bool, error)
	PostNote(ctx context.Context, t gitlab.ThreadRef, discussionID, body string, internal bool, marker string) (gitlab.Note, error)
	UpdateNote(ctx context.Context, t gitlab.ThreadRef, noteID int64, body string) error
}

// Branches reads a project's branches.
type Branches interface {
	Branch(ctx context.Context, projectID int64, name string) (gitlab.Branch, error)
}

// MergeRequests reads, opens and auto-merges merge requests.
type MergeRequests interface {
	MergeRequest(ctx context.Context, projectID, iid int64) (gitlab.MR, error)
	CreateMR(ctx context.Context, projectID int64, m gitlab.MRCreate) (gitlab.MR, error)
	SetAutoMerge(ctx context.Context, projectID, iid int64, sha string) error
}

// Files reads a file of a commit.
type Files interface {
	RawFile(ctx context.Context, projectID int64, path, ref string) ([]byte, error)
}

// Projects reads a project (a fork, for its repository's address).
type Projects interface {
	Project(ctx context.Context, idOrPath string) (gitlab.Project, error)
}

// Diffs reads a merge request's changes and places a discussion on one of their lines.
type Diffs interface {
	MergeRequestDiff(ctx context.Context, projectID, iid int64, maxBytes int) ([]gitlab.DiffFile, error)
	FindDiscussion(ctx context.Context, projectID, iid int64, marker string) (gitlab.Discussion, bool, error)
	CreateDiffDiscussion(ctx context.Context, projectID, iid int64, pos gitlab.Position, body, marker string) (gitlab.Discussion, error)
}
