package job

import (
	"context"
	"fmt"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// A taskRunner runs one kind of task. Its Run opens with the task's gates in one admit call
// (who may ask, beginPage, then the budget), then does the work; each step skips itself when
// already recorded.
type taskRunner interface {
	Run(ctx context.Context, j *job) error
}

// tasks dispatches each task to its runner: a new task is one file and one entry here.
func (r *Runner) tasks() map[trigger.Task]taskRunner {
	return map[trigger.Task]taskRunner{
		trigger.TaskAnswer:      answerTask{r: r, reviews: r.GitLab},
		trigger.TaskReview:      reviewTask{r: r, gitlab: r.GitLab},
		trigger.TaskPipelineFix: pipelineTask{r: r, mrs: r.GitLab, notes: r.GitLab, pipelines: r.GitLab},
		trigger.TaskWikiEdit:    wikiTask{r: r, people: r.GitLab},
		trigger.TaskStop:        stopTask{r: r, people: r.GitLab, notes: r.GitLab},
	}
}

// run hands the job to its task's runner.
func (r *Runner) run(ctx context.Context, j *job) error {
	bot, err := r.botUser(ctx)
	if err != nil {
		return err
	}
	j.bot = bot
	t, ok := r.tasks()[j.req.Task]
	if !ok {
		return fmt.Errorf("no runner for task %s", j.req.Task)
	}
	return t.Run(ctx, j)
}

// startInThread is what a task answered in its thread does once admitted: the budget, 👀 and
// the progress note, and the project's settings.
func (r *Runner) startInThread(ctx context.Context, j *job) (bool, error) {
	if ok, err := r.withinBudget(ctx, j); err != nil || !ok {
		return false, err
	}
	if err := r.acknowledge(ctx, j); err != nil {
		return false, err
	}
	return true, r.useProjectSettings(ctx, j) // the project's own settings, within the operator's
}
