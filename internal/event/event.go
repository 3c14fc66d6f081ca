// Package event holds our own representation of a GitLab webhook delivery. GitLab's JSON types
// stop at the webhook package; everything after it (trigger rules, queue, jobs) speaks these types.
package event

// Kind is the family of hook that delivered an event.
type Kind string

// The kinds of event GitLab sends. Confidential issue and note hooks map to KindIssue and KindNote
// with Event.Confidential set.
const (
	KindNote         Kind = "note"
	KindIssue        Kind = "issue"
	KindMergeRequest Kind = "merge_request"
	KindPipeline     Kind = "pipeline"
	KindWikiPage     Kind = "wiki_page"
	KindPush         Kind = "push"
	KindTagPush      Kind = "tag_push"
	KindEmoji        Kind = "emoji"
	KindJob          Kind = "job"
	KindRelease      Kind = "release"
	KindDeployment   Kind = "deployment"
	KindMember       Kind = "member"
	KindOther        Kind = "other" // a hook we know but do not act on (feature flag, milestone, …)
)

// ThreadType is what a conversation hangs on.
type ThreadType string

// Thread types: the noteable types of GitLab notes.
const (
	ThreadIssue        ThreadType = "issue"
	ThreadMergeRequest ThreadType = "merge_request"
	ThreadCommit       ThreadType = "commit"
	ThreadSnippet      ThreadType = "snippet"
)

// User is a GitLab user as a webhook names it.
type User struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name,omitempty"`
}

// Project is the project an event belongs to.
type Project struct {
	ID            int64  `json:"id"`
	Path          string `json:"path"` // path_with_namespace, e.g. "group/sub/project"
	WebURL        string `json:"web_url,omitempty"`
	DefaultBranch string `json:"default_branch,omitempty"`
}

// Thread is the issue, merge request, commit or snippet a conversation belongs to.
type Thread struct {
	Type         ThreadType `json:"type"`
	ID           int64      `json:"id,omitempty"`  // global id (issue, MR, snippet)
	IID          int64      `json:"iid,omitempty"` // project-scoped id (issue, MR)
	CommitSHA    string     `json:"commit_sha,omitempty"`
	Title        string     `json:"title,omitempty"`
	Description  string     `json:"description,omitempty"`
	URL          string     `json:"url,omitempty"`
	State        string     `json:"state,omitempty"`
	Confidential bool       `json:"confidential,omitempty"`
	AuthorID     int64      `json:"author_id,omitempty"`
	AssigneeIDs  []int64    `json:"assignee_ids,omitempty"`
	ReviewerIDs  []int64    `json:"reviewer_ids,omitempty"`
	Labels       []string   `json:"labels,omitempty"` // titles
	UpdatedAt    string     `json:"updated_at,omitempty"`

	// Merge requests only.
	SourceBranch    string `json:"source_branch,omitempty"`
	TargetBranch    string `json:"target_branch,omitempty"`
	SourceProjectID int64  `json:"source_project_id,omitempty"`
	TargetProjectID int64  `json:"target_project_id,omitempty"`
	HeadSHA         string `json:"head_sha,omitempty"`
	Draft           bool   `json:"draft,omitempty"`
	OldRev          string `json:"oldrev,omitempty"` // set on an update that pushed new commits
}

// Note is a comment.
type Note struct {
	ID           int64  `json:"id"`
	Body         string `json:"body"`
	System       bool   `json:"system,omitempty"`
	Internal     bool   `json:"internal,omitempty"`
	DiscussionID string `json:"discussion_id,omitempty"`
	Type         string `json:"type,omitempty"` // "", DiscussionNote, DiffNote
	URL          string `json:"url,omitempty"`
	Action       string `json:"action,omitempty"` // create, update
	UpdatedAt    string `json:"updated_at,omitempty"`
}

// Change is a field's previous and current value as GitLab reports it in `changes`.
type Change[T any] struct {
	Previous T
	Current  T
}

// Changes lists what an update changed; nil fields did not change.
type Changes struct {
	Title       *Change[string]
	Description *Change[string]
	AssigneeIDs *Change[[]int64]
	ReviewerIDs *Change[[]int64]
	Draft       *Change[bool]
	Labels      *Change[[]string] // label titles
}

// Pipeline is the part of a pipeline event we act on.
type Pipeline struct {
	ID     int64
	Status string
	Ref    string
	SHA    string
	// ParentID is the parent pipeline of a child pipeline (object_attributes.source
	// "parent_pipeline", source_pipeline in the same project); 0 otherwise.
	ParentID int64
}

// RootID is the pipeline a fix is about: the parent of a child pipeline, so that a failing
// parent-child tree gets one fix, not one per pipeline.
func (p *Pipeline) RootID() int64 {
	if p.ParentID != 0 {
		return p.ParentID
	}
	return p.ID
}

// WikiPage is the part of a wiki page event we act on.
type WikiPage struct {
	Slug          string
	Title         string
	Content       string
	Format        string // markdown, rdoc, asciidoc, org
	URL           string
	DefaultBranch string // the wiki repository's default branch, when the payload says
}

// Event is one parsed webhook delivery.
type Event struct {
	Kind         Kind
	HookName     string // the X-Gitlab-Event header
	Action       string // open, update, close, reopen, merge, create, …
	Confidential bool   // delivered by a confidential hook, or about a confidential issue
	Project      Project
	Actor        User // who caused the event (the payload's "user")
	Thread       Thread
	Note         *Note // note events only
	Changes      Changes
	Pipeline     *Pipeline
	WikiPage     *WikiPage
}
