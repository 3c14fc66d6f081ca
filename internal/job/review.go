package job

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/mcptools"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/prompt"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/review"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

// Steps of a review.
const (
	stepReviewVersion = "review_version" // the diff version reviewed: its id and SHAs
	stepFindingPrefix = "finding_"       // + id: the finding's discussion, or "moved" to the summary
	stepFixedPrefix   = "fixed_"         // + id: an earlier finding resolved as fixed
)

// reviewedVersion is the diff version a review looked at: its comments are anchored to it.
type reviewedVersion struct {
	ID    int64  `json:"id"`
	Base  string `json:"base"`
	Head  string `json:"head"`
	Start string `json:"start"`
}

// reviewTask reviews a merge request: comments on its diff lines and a summary. Asked on
// another thread, it is an answer.
type reviewTask struct {
	r       *Runner
	reviews Reviews // the diff versions, the findings' discussions
	notes   Notes   // the replies to findings the new commits fixed
}

func (t reviewTask) Run(ctx context.Context, j *job) error {
	r := t.r
	if ok, err := r.admit(ctx, j, r.notFromBot, r.authorised(replyInThread), r.autoReviewWanted); err != nil || !ok {
		return err
	}
	if ok, err := r.startInThread(ctx, j); err != nil || !ok {
		return err
	}
	if j.req.Thread.Type != event.ThreadMergeRequest {
		return answerTask{r: r, reviews: t.reviews}.answerRequest(ctx, j)
	}
	return t.review(ctx, j)
}

// review runs Claude on the merge request without keeping any change, then posts each finding
// on its diff line, resolves earlier findings the new commits fixed, and turns the progress note
// into the summary. Every post is a recorded step: a resumed review posts nothing twice.
func (t reviewTask) review(ctx context.Context, j *job) error {
	r := t.r
	out, err := t.runReview(ctx, j)
	if err != nil {
		return err
	}
	var ver reviewedVersion
	j.steps.get(stepReviewVersion, &ver)
	res := mcptools.WithFindings(review.ParseAnswer(out.Text), out.Findings)
	files, err := t.versionFiles(ctx, j, ver)
	if err != nil {
		return err
	}
	earlier, err := t.earlierFindings(ctx, j)
	if err != nil {
		return err
	}
	plan := review.MakePlan(res, files, earlier)
	sum := review.SummaryInput{Result: res, Plan: plan, HeadSHA: ver.Head}
	for _, in := range plan.Inline {
		moved, err := t.postFinding(ctx, j, ver, in)
		if err != nil {
			return err
		}
		if moved {
			sum.Moved = append(sum.Moved, in.Finding)
		} else {
			sum.Posted++
		}
	}
	for _, e := range plan.Resolve {
		if err := t.resolveFixed(ctx, j, ver, e); err != nil {
			return err
		}
		sum.Resolved++
	}
	j.log.Info("job: review posted", "inline", sum.Posted, "moved", len(sum.Moved), "summary", len(plan.Summary),
		"repeated", len(plan.Repeated), "resolved", sum.Resolved, "parsed", res.Parsed)
	out.Text = review.Summary(sum)
	return r.answer(ctx, j, out)
}

// runReview reads the merge request's latest diff version and runs Claude on a checkout of it.
// Files Claude changes are not committed: the worktree is reset when the job ends.
func (t reviewTask) runReview(ctx context.Context, j *job) (outcome, error) {
	r := t.r
	var in prompt.ThreadInput
	return r.runAndCommit(ctx, j, agentRun{
		project: wsProject,
		prepare: func(ctx context.Context) (ref string, err error) {
			in, ref, err = r.gather(ctx, j)
			return ref, err
		},
		run: func(ctx context.Context, ws *workspace.Workspace) (outcome, error) {
			ver, err := t.latestVersion(ctx, j, ws.BaseSHA)
			if err != nil {
				return outcome{}, err
			}
			if err := j.steps.save(ctx, stepReviewVersion, ver); err != nil {
				return outcome{}, err
			}
			earlier, err := t.earlierFindings(ctx, j)
			if err != nil {
				return outcome{}, err
			}
			if in.ClaudeMD, err = r.projectClaudeMD(ctx, j); err != nil {
				return outcome{}, err
			}
			in.Review = &prompt.ReviewInput{Earlier: earlier}
			return r.runAgent(ctx, j, ws, prompt.Thread(in))
		},
	})
}

// latestVersion is the diff version whose head is the checked-out commit (the newest one if a
// push came in between).
func (t reviewTask) latestVersion(ctx context.Context, j *job, head string) (reviewedVersion, error) {
	vs, err := t.reviews.MergeRequestVersions(ctx, j.req.Project.ID, j.req.Thread.IID)
	if err != nil {
		return reviewedVersion{}, fmt.Errorf("read the merge request's diff versions: %w", err)
	}
	if len(vs) == 0 {
		return reviewedVersion{}, errors.New("the merge request has no diff yet: GitLab has not computed it")
	}
	v := vs[0]
	for _, x := range vs {
		if x.Head == head {
			v = x
			break
		}
	}
	return reviewedVersion{ID: v.ID, Base: v.Base, Head: v.Head, Start: v.Start}, nil
}

func (t reviewTask) versionFiles(ctx context.Context, j *job, ver reviewedVersion) ([]review.File, error) {
	diffs, err := t.reviews.MergeRequestVersionDiff(ctx, j.req.Project.ID, j.req.Thread.IID, ver.ID)
	if err != nil {
		return nil, fmt.Errorf("read the reviewed diff: %w", err)
	}
	files := make([]review.File, 0, len(diffs))
	for _, d := range diffs {
		files = append(files, review.ParseFile(d.OldPath, d.NewPath, d.Diff))
	}
	return files, nil
}

// earlierFindings are the findings other jobs posted on this merge request: a finding this job
// posted before a crash is its own, not an earlier review's.
func (t reviewTask) earlierFindings(ctx context.Context, j *job) ([]review.Earlier, error) {
	ds, err := t.reviews.ListDiscussions(ctx, j.req.Project.ID, j.req.Thread.IID)
	if err != nil {
		return nil, fmt.Errorf("read the merge request's discussions: %w", err)
	}
	var out []review.Earlier
	for _, d := range ds {
		if len(d.Notes) == 0 || d.Notes[0].AuthorID != j.bot.ID || marker.OfJob(d.Notes[0].Body, j.id) {
			continue
		}
		id, ok := marker.FindingID(d.Notes[0].Body)
		if !ok {
			continue
		}
		e := review.Earlier{ID: id, DiscussionID: d.ID, Resolved: d.Resolved, Text: findingText(d.Notes[0].Body)}
		if p := d.Position; p != nil {
			e.Path, e.Line = p.NewPath, int(p.NewLine)
			if e.Line == 0 {
				e.Path, e.Line = p.OldPath, int(p.OldLine)
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// findingText is a finding note without its marker and suggestion block.
func findingText(body string) string {
	text, _, _ := strings.Cut(body, "\n\n")
	return strings.TrimSpace(text)
}

// postFinding starts the finding's diff discussion once; moved reports that GitLab refused the
// position, so the finding belongs in the summary.
func (t reviewTask) postFinding(ctx context.Context, j *job, ver reviewedVersion, in review.Inline) (moved bool, err error) {
	r := t.r
	step := stepFindingPrefix + in.ID()
	if v, ok := j.steps.values[step]; ok {
		return v == "moved", nil
	}
	mark := marker.Finding(j.id, in.ID())
	if j.attempt > 1 {
		if d, found, err := t.reviews.FindDiscussion(ctx, j.req.Project.ID, j.req.Thread.IID, mark); err != nil {
			return false, fmt.Errorf("look for a comment of this review: %w", err)
		} else if found {
			return false, j.steps.save(ctx, step, d.ID)
		}
	}
	pos := gitlab.Position{BaseSHA: ver.Base, StartSHA: ver.Start, HeadSHA: ver.Head,
		OldPath: in.Position.OldPath, NewPath: in.Position.NewPath,
		OldLine: int64(in.Position.OldLine), NewLine: int64(in.Position.NewLine)}
	d, err := t.reviews.CreateDiffDiscussion(ctx, j.req.Project.ID, j.req.Thread.IID, pos, r.redact(review.FindingBody(j.id, in)), mark)
	if errors.Is(err, gitlab.ErrBadPosition) {
		j.log.Info("job: GitLab refused a finding's position; it goes to the summary", "path", pos.NewPath,
			"old_line", pos.OldLine, "new_line", pos.NewLine)
		return true, j.steps.save(ctx, step, "moved")
	}
	if err != nil {
		return false, fmt.Errorf("post a review comment: %w", err)
	}
	return false, j.steps.save(ctx, step, d.ID)
}

// resolveFixed replies in an earlier finding's discussion that the new commits fixed it and
// resolves it.
func (t reviewTask) resolveFixed(ctx context.Context, j *job, ver reviewedVersion, e review.Earlier) error {
	r := t.r
	step := stepFixedPrefix + e.ID
	if j.steps.has(step) {
		return nil
	}
	commitURL := ""
	if web := r.projectWeb(ctx, j); web != "" {
		commitURL = web + "/-/commit/" + ver.Head
	}
	if _, err := t.notes.PostNote(ctx, j.thread, e.DiscussionID, review.FixedReply(j.id, e.ID, ver.Head, commitURL),
		false, marker.Fixed(j.id, e.ID)); err != nil {
		return fmt.Errorf("reply to a fixed review comment: %w", err)
	}
	if err := t.reviews.ResolveDiscussion(ctx, j.req.Project.ID, j.req.Thread.IID, e.DiscussionID, true); err != nil {
		return fmt.Errorf("resolve a fixed review comment: %w", err)
	}
	return j.steps.save(ctx, step, e.DiscussionID)
}
