package trigger

import (
	"fmt"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
)

// ReasonPipelineFailed: PIPELINE_FIX, a pipeline failed on a branch the bot created.
const ReasonPipelineFailed Reason = "pipeline_failed"

// PipelineRef is the failed pipeline a fix request is about.
type PipelineRef struct {
	ID     int64  `json:"id"`
	Branch string `json:"branch"`
	SHA    string `json:"sha"`
}

// matchPipeline: with PIPELINE_FIX, a failed pipeline on a branch the bot created (BRANCH_PREFIX)
// in this project. Whether the branch has an open merge request, and how many fixes it had, the
// job finds out: the hook does not say.
func matchPipeline(ev event.Event, rules Rules) (Request, error) {
	p := ev.Pipeline
	prefix := rules.BranchPrefix
	switch {
	case !rules.PipelineFix:
		return ignore("%s events do not trigger: pipeline fixes are off (PIPELINE_FIX)", kindName(ev))
	case p == nil:
		return ignore("pipeline event without a pipeline")
	case p.Status != "failed":
		return ignore("pipeline %s: only failed pipelines are fixed", p.Status)
	case prefix == "":
		return ignore("BRANCH_PREFIX is empty: the bot's branches cannot be told apart")
	}
	branch := p.Ref
	t := ev.Thread
	if t.IID != 0 { // a merge request pipeline: its source branch is the one to fix
		branch = t.SourceBranch
		if t.SourceProjectID != 0 && t.SourceProjectID != ev.Project.ID {
			return ignore("pipeline of a merge request from a fork")
		}
	}
	if !strings.HasPrefix(branch, prefix) {
		return ignore("pipeline failed on %s, not a branch of the bot (BRANCH_PREFIX %s)", branch, prefix)
	}
	url := ""
	if ev.Project.WebURL != "" {
		url = fmt.Sprintf("%s/-/pipelines/%d", strings.TrimRight(ev.Project.WebURL, "/"), p.RootID())
	}
	return Request{
		Reason:   ReasonPipelineFailed,
		Task:     TaskPipelineFix,
		Project:  ev.Project,
		Thread:   event.Thread{Type: event.ThreadMergeRequest, IID: t.IID, SourceBranch: branch, HeadSHA: p.SHA, Title: t.Title},
		Author:   ev.Actor,
		Text:     fmt.Sprintf("Pipeline #%d failed on %s", p.RootID(), branch),
		URL:      url,
		Pipeline: &PipelineRef{ID: p.RootID(), Branch: branch, SHA: p.SHA},
	}, nil
}
