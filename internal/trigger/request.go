package trigger

import (
	"fmt"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
)

// Reason says why a request was made.
type Reason string

// The reasons an event becomes a request.
const (
	ReasonMention         Reason = "mention"          // a note mentions the bot
	ReasonOpened          Reason = "opened"           // issue/MR opened with the phrase
	ReasonEdited          Reason = "edited"           // description edited so the phrase is newly there
	ReasonAssigned        Reason = "assigned"         // issue/MR newly assigned to the bot
	ReasonReviewRequested Reason = "review_requested" // the bot newly added as reviewer of an MR
	ReasonAutoReview      Reason = "auto_review"      // AUTO_REVIEW: an MR opened, marked ready or pushed to
	ReasonLabeled         Reason = "labeled"          // LABEL_TRIGGER newly added to an issue or MR
	ReasonAPI             Reason = "api"              // POST /api/v1/requests from a pipeline, or `claude-gitlab ask`
)

// Request is what a worker needs to act on a trigger. It carries nothing secret: it is stored in
// the queue's database and shown by `jobs show`.
type Request struct {
	Reason       Reason        `json:"reason"`
	Task         Task          `json:"task,omitempty"`
	Project      event.Project `json:"project"`
	Thread       event.Thread  `json:"thread"`
	NoteID       int64         `json:"note_id,omitempty"`
	DiscussionID string        `json:"discussion_id,omitempty"`
	Author       event.User    `json:"author"`
	Text         string        `json:"text"` // what was asked: the note body, or the title and description
	URL          string        `json:"url,omitempty"`
	Confidential bool          `json:"confidential,omitempty"`
	EventUUID    string        `json:"event_uuid,omitempty"`
	ReceivedAt   time.Time     `json:"received_at"`
	Pipeline     *PipelineRef  `json:"pipeline,omitempty"` // TaskPipelineFix: the failed pipeline
	Wiki         *WikiRef      `json:"wiki,omitempty"`     // TaskWikiEdit: the page to edit
	Label        string        `json:"label,omitempty"`    // ReasonLabeled: the label to take off when done
	CIJob        int64         `json:"ci_job,omitempty"`   // ReasonAPI: the CI job that asked (its token may read the state)
}

// AcknowledgedAtOnce says whether the request gets its 👀 and progress note as soon as it is
// queued (the acknowledgement lane): a person asked and is waiting for a sign of life. Automatic
// requests (reviews, pipeline fixes, wiki edits) are acknowledged when a worker runs them.
func (r Request) AcknowledgedAtOnce() bool {
	return r.Reason != ReasonAutoReview && r.Task != TaskPipelineFix && r.Task != TaskWikiEdit && r.Wiki == nil &&
		r.Task != TaskStop // a stop answers at once itself
}

// StoppedThreadKey is the conversation a stop request stops.
func (r Request) StoppedThreadKey() string {
	r.Task = TaskAnswer
	return r.ThreadKey()
}

// ThreadKey names the conversation: requests with the same key run one at a time, in order.
func (r Request) ThreadKey() string {
	if r.Task == TaskStop { // a stop must not wait behind the jobs it stops
		return fmt.Sprintf("%d/stop/%d", r.Project.ID, r.NoteID)
	}
	if r.Wiki != nil { // edits of one page run one after the other
		return fmt.Sprintf("%d/wiki/%s", r.Project.ID, r.Wiki.Slug)
	}
	switch r.Thread.Type {
	case event.ThreadCommit:
		return fmt.Sprintf("%d/commit/%s", r.Project.ID, r.Thread.CommitSHA)
	case event.ThreadSnippet:
		return fmt.Sprintf("%d/snippet/%d", r.Project.ID, r.Thread.ID)
	case event.ThreadMergeRequest:
		if r.Thread.IID == 0 && r.Thread.SourceBranch != "" { // a branch pipeline: its MR is found later
			return fmt.Sprintf("%d/branch/%s", r.Project.ID, r.Thread.SourceBranch)
		}
		return fmt.Sprintf("%d/%s/%d", r.Project.ID, r.Thread.Type, r.Thread.IID)
	default:
		return fmt.Sprintf("%d/%s/%d", r.Project.ID, r.Thread.Type, r.Thread.IID)
	}
}
