package job

import (
	"context"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/mcptools"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/prompt"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/review"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

// reviewTask reviews a merge request: comments on its diff lines and a summary. Asked on
// another thread, it is an answer.
type reviewTask struct {
	r      *Runner
	gitlab review.Discussions // the diff versions, the findings' discussions and replies
}

func (t reviewTask) Run(ctx context.Context, j *job) error {
	r := t.r
	if ok, err := r.admit(ctx, j, r.notFromBot, r.authorised, r.autoReviewWanted, r.beginPage, r.startInThread); err != nil || !ok {
		return err
	}
	if j.req.Thread.Type != event.ThreadMergeRequest {
		return answerTask{r: r, reviews: t.gitlab}.answerRequest(ctx, j)
	}
	return t.review(ctx, j)
}

// review runs Claude on the merge request without keeping any change, then posts its findings
// (review.Poster) and turns the progress note into the summary.
func (t reviewTask) review(ctx context.Context, j *job) error {
	p := t.poster(j)
	out, err := t.runReview(ctx, j, p)
	if err != nil {
		return err
	}
	sum, err := p.Post(ctx, mcptools.WithFindings(review.ParseAnswer(out.Text), out.Findings))
	if err != nil {
		return err
	}
	out.Text = review.Summary(sum)
	return t.r.answer(ctx, j, out)
}

// runReview reads the merge request's latest diff version and runs Claude on a checkout of it.
// Files Claude changes are not committed: the worktree is reset when the job ends.
func (t reviewTask) runReview(ctx context.Context, j *job, p *review.Poster) (outcome, error) {
	r := t.r
	var in prompt.ThreadInput
	return r.runAndCommit(ctx, j, agentRun{
		prepare: func(ctx context.Context) (ref string, err error) {
			in, ref, err = r.gather(ctx, j)
			return ref, err
		},
		run: func(ctx context.Context, ws *workspace.Workspace) (outcome, error) {
			earlier, err := p.Prepare(ctx, ws.BaseSHA)
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

// poster posts this job's review with the runner's GitLab.
func (t reviewTask) poster(j *job) *review.Poster {
	return &review.Poster{GitLab: t.gitlab, Steps: j.steps, MR: j.thread, JobID: j.id, Attempt: j.attempt,
		BotID: j.bot.ID, Redact: t.r.redact, Log: j.log,
		WebURL: func(ctx context.Context) string { return t.r.projectWeb(ctx, j) }}
}
