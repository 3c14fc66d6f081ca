package job

import (
	"context"
	"fmt"
	"strconv"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/pipelinefix"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/prompt"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

// Steps of a pipeline fix.
const (
	stepPipelineMR      = "pipeline_mr"      // the branch's open merge request (its iid)
	stepPipelineAttempt = "pipeline_attempt" // which fix of that MR this run is; "0": past the limit
)

// pipelineTask handles a failed pipeline on one of the bot's branches (PIPELINE_FIX): with an
// open MR, Claude reads the failed jobs' logs and fixes the code on the branch, and the MR gets a
// note with the commit; after PIPELINE_FIX_ATTEMPTS fixes of that MR, one note asks a human
// instead. Nobody asked in a thread: who started the pipeline is checked quietly (the bot's own
// push, or someone allowed; never a Reporter's run).
type pipelineTask struct {
	r         *Runner
	mrs       MergeRequests // the branch's open merge request
	notes     Notes         // the fixes made so far, the request for help
	pipelines Pipelines     // the failed jobs' logs
}

func (t pipelineTask) Run(ctx context.Context, j *job) error {
	r := t.r
	if ok, err := r.admit(ctx, j, r.authorised, t.pipelineMR, t.withinFixAttempts, r.beginPage, r.withinBudget); err != nil || !ok {
		return err
	}
	// The progress note carries the fix marker from the start: the attempt counts once visible.
	if err := r.progressNote(ctx, j, publish.PipelineProgress(j.id, r.jobURL(j))); err != nil {
		return err
	}
	if err := r.useProjectSettings(ctx, j); err != nil {
		return err
	}
	return t.fixPipeline(ctx, j)
}

// fixPipeline runs Claude on the failed commit, pushes its fix and answers on the MR.
func (t pipelineTask) fixPipeline(ctx context.Context, j *job) error {
	r := t.r
	attempt, err := t.pipelineAttempt(ctx, j)
	if err != nil {
		return err
	}
	out, err := t.producePipelineFix(ctx, j, attempt)
	if err != nil {
		return err
	}
	if ok, err := r.checkChange(ctx, j, out); err != nil || !ok {
		return err
	}
	if err := r.publisher(j).PushFix(ctx, r.publishJob(j, out), publish.Change{Commit: out.Commit, Base: out.Base}); err != nil {
		return err
	}
	out.Text = publish.PipelineFixNote(j.req.Pipeline, attempt, r.pipelineFixAttempts(), out.Text)
	return r.answer(ctx, j, out)
}

func (r *Runner) pipelineFixAttempts() int { return pipelinefix.Limit(r.Settings.PipelineFixAttempts) }

// pipelineMR finds the branch's open merge request, where everything is said, or leaves the
// pipeline alone (pipelinefix.LeftAlone).
func (t pipelineTask) pipelineMR(ctx context.Context, j *job) (bool, error) {
	r := t.r
	pl := j.req.Pipeline
	if pl == nil {
		return false, r.end(ctx, j, jobstate.Skipped, "no pipeline in the request")
	}
	var iid int64
	if j.steps.Get(stepPipelineMR, &iid) {
		j.onMR(iid)
		return true, nil
	}
	mr, err := t.mrs.FindOpenMR(ctx, j.req.Project.ID, pl.Branch)
	if err != nil {
		return false, err
	}
	if skip, left := pipelinefix.LeftAlone(*pl, mr); left {
		j.log.Info("job: "+skip.Log+"; ignored", "branch", pl.Branch, "pipeline", pl.ID)
		return false, r.end(ctx, j, jobstate.Skipped, skip.Outcome)
	}
	if err := j.steps.Save(ctx, stepPipelineMR, mr.IID); err != nil {
		return false, err
	}
	j.onMR(mr.IID)
	return true, nil
}

// onMR points the job at the merge request its notes go to.
func (j *job) onMR(iid int64) {
	j.req.Thread.IID = iid
	j.thread = threadRef(j.req)
}

// pipelineAttempt is which fix of the MR this run is (1, 2, …), or 0 once PIPELINE_FIX_ATTEMPTS
// fixes were made. It is recorded before the run's note exists, so a resumed job keeps it.
func (t pipelineTask) pipelineAttempt(ctx context.Context, j *job) (int, error) {
	var attempt int
	if j.steps.Get(stepPipelineAttempt, &attempt) {
		return attempt, nil
	}
	attempt, err := pipelinefix.ReadAttempt(ctx, t.notes, j.thread, j.bot.ID, j.id, t.r.pipelineFixAttempts())
	if err != nil {
		return 0, err
	}
	return attempt, j.steps.Save(ctx, stepPipelineAttempt, attempt)
}

// withinFixAttempts: past PIPELINE_FIX_ATTEMPTS fixes of the MR, a human is asked instead, once
// per MR: a later failure finds the request for help and says nothing.
func (t pipelineTask) withinFixAttempts(ctx context.Context, j *job) (bool, error) {
	r := t.r
	if attempt, err := t.pipelineAttempt(ctx, j); err != nil || attempt > 0 {
		return err == nil, err
	}
	if _, found, err := t.notes.FindNote(ctx, j.thread, marker.PipelineHelp); err != nil {
		return false, fmt.Errorf("look for our request for help: %w", err)
	} else if found && !j.steps.Has(stepNote) {
		j.log.Info("job: failed pipeline past PIPELINE_FIX_ATTEMPTS; help asked already", "mr", j.req.Thread.IID)
		return false, r.end(ctx, j, jobstate.Skipped, "past PIPELINE_FIX_ATTEMPTS, help asked already")
	}
	id, err := r.postOnce(ctx, j, publish.PipelineHelpNote(j.req, r.pipelineFixAttempts()))
	if err != nil {
		return false, err
	}
	if err := j.steps.Save(ctx, stepNote, strconv.FormatInt(id, 10)); err != nil {
		return false, err
	}
	j.log.Info("job: failed pipeline past PIPELINE_FIX_ATTEMPTS; asked for help", "mr", j.req.Thread.IID, "note", id)
	return false, r.end(ctx, j, jobstate.Answered, "asked for help: past PIPELINE_FIX_ATTEMPTS")
}

// producePipelineFix runs Claude on the commit that failed with the failed jobs' logs and
// commits what it changed.
func (t pipelineTask) producePipelineFix(ctx context.Context, j *job, attempt int) (outcome, error) {
	r := t.r
	var logs []prompt.FailedJob
	return r.runAndCommit(ctx, j, agentRun{
		prepare: func(ctx context.Context) (ref string, err error) {
			logs, err = pipelinefix.FailedLogs(ctx, t.pipelines, j.req.Project.ID, j.req.Pipeline.ID, r.redact)
			return j.req.Pipeline.SHA, err
		},
		run: func(ctx context.Context, ws *workspace.Workspace) (outcome, error) {
			claudeMD, err := r.projectClaudeMD(ctx, j)
			if err != nil {
				return outcome{}, err
			}
			return r.runAgent(ctx, j, ws, prompt.Pipeline(prompt.PipelineInput{Request: j.req, MRIID: j.req.Thread.IID, Jobs: logs,
				Instructions: j.settings.Instructions, ForbiddenPaths: j.settings.ForbiddenPaths, ClaudeMD: claudeMD}))
		},
		message: func(out outcome) string {
			return publish.PipelineCommitMessage(j.req, logs, out.Text, attempt, r.pipelineFixAttempts())
		},
	})
}
