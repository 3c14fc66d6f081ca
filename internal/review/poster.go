package review

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
)

// The steps a review records. Their names are stored with the jobs in flight, which resume by
// them: never rename one.
const (
	StepVersion       = "review_version" // the diff version reviewed: its id and SHAs
	StepFindingPrefix = "finding_"       // + id: the finding's discussion, or "moved" to the summary
	StepFixedPrefix   = "fixed_"         // + id: an earlier finding resolved as fixed
)

// Discussions are what a review reads and posts on a merge request: its diff versions, the
// findings' discussions, and the replies to the findings the new commits fixed.
type Discussions interface {
	MergeRequestVersions(ctx context.Context, projectID, iid int64) ([]gitlab.DiffVersion, error)
	MergeRequestVersionDiff(ctx context.Context, projectID, iid, versionID int64) ([]gitlab.DiffFile, error)
	ListDiscussions(ctx context.Context, projectID, iid int64) ([]gitlab.Discussion, error)
	FindDiscussion(ctx context.Context, projectID, iid int64, marker string) (gitlab.Discussion, bool, error)
	CreateDiffDiscussion(ctx context.Context, projectID, iid int64, pos gitlab.Position, body, marker string) (gitlab.Discussion, error)
	ResolveDiscussion(ctx context.Context, projectID, iid int64, discussionID string, resolved bool) error
	PostNote(ctx context.Context, t gitlab.ThreadRef, discussionID, body string, internal bool, marker string) (gitlab.Note, error)
}

// Version is the diff version a review looked at: its comments are anchored to it.
type Version struct {
	ID    int64  `json:"id"`
	Base  string `json:"base"`
	Head  string `json:"head"`
	Start string `json:"start"`
}

// Poster posts one job's review on a merge request: each finding on its diff line, the replies
// to earlier findings the new commits fixed. Every post is a recorded step: a resumed review
// posts nothing twice.
type Poster struct {
	GitLab  Discussions
	Steps   jobstate.Steps
	MR      gitlab.ThreadRef // the merge request reviewed
	JobID   int64
	Attempt int   // the job's run: from the second on, a post may have happened unrecorded
	BotID   int64 // whose discussions are findings
	Redact  func(string) string
	WebURL  func(ctx context.Context) string // the project's web address, for commit links; "" when unknown
	Log     *slog.Logger
}

// Prepare records the diff version whose head is the checked-out commit and returns the
// findings earlier reviews posted, for the prompt.
func (p *Poster) Prepare(ctx context.Context, head string) ([]Earlier, error) {
	ver, err := p.latestVersion(ctx, head)
	if err != nil {
		return nil, err
	}
	if err := p.Steps.Save(ctx, StepVersion, ver); err != nil {
		return nil, err
	}
	return p.Earlier(ctx)
}

// Post posts the review's result on the version Prepare recorded and returns what the summary
// says of it.
func (p *Poster) Post(ctx context.Context, res Result) (SummaryInput, error) {
	var ver Version
	p.Steps.Get(StepVersion, &ver)
	files, err := p.versionFiles(ctx, ver)
	if err != nil {
		return SummaryInput{}, err
	}
	earlier, err := p.Earlier(ctx)
	if err != nil {
		return SummaryInput{}, err
	}
	plan := MakePlan(res, files, earlier)
	sum := SummaryInput{Result: res, Plan: plan, HeadSHA: ver.Head}
	for _, in := range plan.Inline {
		moved, err := p.postFinding(ctx, ver, in)
		if err != nil {
			return SummaryInput{}, err
		}
		if moved {
			sum.Moved = append(sum.Moved, in.Finding)
		} else {
			sum.Posted++
		}
	}
	for _, e := range plan.Resolve {
		if err := p.resolveFixed(ctx, ver, e); err != nil {
			return SummaryInput{}, err
		}
		sum.Resolved++
	}
	p.Log.Info("job: review posted", "inline", sum.Posted, "moved", len(sum.Moved), "summary", len(plan.Summary),
		"repeated", len(plan.Repeated), "resolved", sum.Resolved, "parsed", res.Parsed)
	return sum, nil
}

// latestVersion is the diff version whose head is the checked-out commit (the newest one if a
// push came in between).
func (p *Poster) latestVersion(ctx context.Context, head string) (Version, error) {
	vs, err := p.GitLab.MergeRequestVersions(ctx, p.MR.ProjectID, p.MR.IID)
	if err != nil {
		return Version{}, fmt.Errorf("read the merge request's diff versions: %w", err)
	}
	if len(vs) == 0 {
		return Version{}, errors.New("the merge request has no diff yet: GitLab has not computed it")
	}
	v := vs[0]
	for _, x := range vs {
		if x.Head == head {
			v = x
			break
		}
	}
	return Version{ID: v.ID, Base: v.Base, Head: v.Head, Start: v.Start}, nil
}

func (p *Poster) versionFiles(ctx context.Context, ver Version) ([]File, error) {
	diffs, err := p.GitLab.MergeRequestVersionDiff(ctx, p.MR.ProjectID, p.MR.IID, ver.ID)
	if err != nil {
		return nil, fmt.Errorf("read the reviewed diff: %w", err)
	}
	files := make([]File, 0, len(diffs))
	for _, d := range diffs {
		files = append(files, ParseFile(d.OldPath, d.NewPath, d.Diff))
	}
	return files, nil
}

// Earlier are the findings other jobs posted on the merge request: a finding this job posted
// before a crash is its own, not an earlier review's.
func (p *Poster) Earlier(ctx context.Context) ([]Earlier, error) {
	ds, err := p.GitLab.ListDiscussions(ctx, p.MR.ProjectID, p.MR.IID)
	if err != nil {
		return nil, fmt.Errorf("read the merge request's discussions: %w", err)
	}
	var out []Earlier
	for _, d := range ds {
		if len(d.Notes) == 0 || d.Notes[0].AuthorID != p.BotID || marker.OfJob(d.Notes[0].Body, p.JobID) {
			continue
		}
		id, ok := marker.FindingID(d.Notes[0].Body)
		if !ok {
			continue
		}
		e := Earlier{ID: id, DiscussionID: d.ID, Resolved: d.Resolved, Text: findingText(d.Notes[0].Body)}
		e.Path, e.Line = discussionLine(d)
		out = append(out, e)
	}
	return out, nil
}

// postFinding starts the finding's diff discussion once; moved reports that GitLab refused the
// position, so the finding belongs in the summary.
func (p *Poster) postFinding(ctx context.Context, ver Version, in Inline) (moved bool, err error) {
	step := StepFindingPrefix + in.ID()
	if v, ok := p.Steps.Value(step); ok {
		return v == "moved", nil
	}
	mark := marker.Finding(p.JobID, in.ID())
	if p.Attempt > 1 {
		if d, found, err := p.GitLab.FindDiscussion(ctx, p.MR.ProjectID, p.MR.IID, mark); err != nil {
			return false, fmt.Errorf("look for a comment of this review: %w", err)
		} else if found {
			return false, p.Steps.Save(ctx, step, d.ID)
		}
	}
	pos := gitlab.Position{BaseSHA: ver.Base, StartSHA: ver.Start, HeadSHA: ver.Head,
		OldPath: in.Position.OldPath, NewPath: in.Position.NewPath,
		OldLine: int64(in.Position.OldLine), NewLine: int64(in.Position.NewLine)}
	d, err := p.GitLab.CreateDiffDiscussion(ctx, p.MR.ProjectID, p.MR.IID, pos, p.Redact(FindingBody(p.JobID, in)), mark)
	if errors.Is(err, gitlab.ErrBadPosition) {
		p.Log.Info("job: GitLab refused a finding's position; it goes to the summary", "path", pos.NewPath,
			"old_line", pos.OldLine, "new_line", pos.NewLine)
		return true, p.Steps.Save(ctx, step, "moved")
	}
	if err != nil {
		return false, fmt.Errorf("post a review comment: %w", err)
	}
	return false, p.Steps.Save(ctx, step, d.ID)
}

// resolveFixed replies in an earlier finding's discussion that the new commits fixed it and
// resolves it.
func (p *Poster) resolveFixed(ctx context.Context, ver Version, e Earlier) error {
	step := StepFixedPrefix + e.ID
	if _, done := p.Steps.Value(step); done {
		return nil
	}
	commitURL := ""
	if web := p.WebURL(ctx); web != "" {
		commitURL = web + "/-/commit/" + ver.Head
	}
	if _, err := p.GitLab.PostNote(ctx, p.MR, e.DiscussionID, FixedReply(p.JobID, e.ID, ver.Head, commitURL),
		false, marker.Fixed(p.JobID, e.ID)); err != nil {
		return fmt.Errorf("reply to a fixed review comment: %w", err)
	}
	if err := p.GitLab.ResolveDiscussion(ctx, p.MR.ProjectID, p.MR.IID, e.DiscussionID, true); err != nil {
		return fmt.Errorf("resolve a fixed review comment: %w", err)
	}
	return p.Steps.Save(ctx, step, e.DiscussionID)
}
