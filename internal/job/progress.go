package job

import (
	"context"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/mcptools"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/tick"
)

// progress turns the agent's stream into the checklist of the progress note, edited at most once
// every ProgressEvery by a goroutine that the run owns.
type progress struct {
	r    *Runner
	j    *job
	list *publish.Checklist
}

func newProgress(r *Runner, j *job) *progress {
	return &progress{r: r, j: j, list: publish.NewChecklist(r.redact)}
}

// add is called by the agent for each event of its stream; it never blocks on GitLab.
func (p *progress) add(ev agent.Progress) { p.r.record(p.j, ev); p.list.Add(ev) }

// plan replaces the checklist by Claude's steps; the note is edited at the next tick.
func (p *progress) plan(items []mcptools.ProgressItem) { p.list.Plan(items) }

// start edits the note while the run goes on; the returned func stops it and waits.
func (p *progress) start(ctx context.Context) func() {
	every := p.r.Settings.ProgressEvery
	if every <= 0 {
		every = 3 * time.Second
	}
	return tick.Start(ctx, every, p.flush)
}

func (p *progress) flush(ctx context.Context) {
	if p.j.noteID == 0 { // no note to edit (a wiki page has no thread)
		return
	}
	if body, ok := p.list.Render(p.j.id, p.r.jobURL(p.j)); ok {
		if err := p.r.GitLab.UpdateNote(ctx, p.j.thread, p.j.noteID, body); err != nil && ctx.Err() == nil {
			p.j.log.Warn("job: progress edit failed", "error", p.r.redact(err.Error()))
		}
	}
}
