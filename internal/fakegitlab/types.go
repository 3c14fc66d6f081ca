package fakegitlab

import (
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// User is a GitLab account. Bot accounts are what project and group access tokens act as.
type User struct {
	ID       int64
	Username string
	Name     string
	Email    string
	Bot      bool
}

// Project is a GitLab project with its bare repository.
type Project struct {
	ID            int64
	Path          string // path with namespace: "group/project"
	DefaultBranch string
	WebURL        string
	HTTPURL       string // the fake's git URL: <base>/group/project.git
}

// Note is a comment as GitLab shows it, for assertions.
type Note struct {
	ID           int64
	Body         string
	Author       string // username
	AuthorID     int64
	DiscussionID string
	Type         string // "", "DiscussionNote" or "DiffNote"
	Internal     bool
	System       bool
	Resolved     bool
	Updates      int // how many times the body was edited
	Position     *gitlab.NotePosition
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Discussion is a thread of notes.
type Discussion struct {
	ID             string
	IndividualNote bool
	Notes          []Note
}

// Award is an emoji reaction on an issue, MR, snippet or note.
type Award struct {
	ID     int64
	Name   string // "eyes", "thumbsup"
	User   string // username
	NoteID int64  // 0 when awarded to the issue or MR itself
}

// MergeRequest is an MR as GitLab shows it.
type MergeRequest struct {
	ID, IID        int64
	Title          string
	Description    string
	SourceBranch   string
	TargetBranch   string
	Author         string
	State          string // opened, closed, merged
	Draft          bool
	SHA            string // head of the source branch (at merge time once merged)
	AutoMerge      bool   // set to merge when the pipeline succeeds
	MergeCommitSHA string
}

// Branch is a branch of a project's repository, read from git.
type Branch struct {
	Name      string
	SHA       string
	Protected bool
}

// Issue is an issue as GitLab shows it.
type Issue struct {
	ID, IID      int64
	Title        string
	Description  string
	Author       string
	Confidential bool
	State        string // opened or closed
}

// Snippet is a project snippet.
type Snippet struct {
	ID       int64
	Title    string
	FileName string
}
