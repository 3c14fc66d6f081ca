package job

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/mcptools"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
)

// maxChecklist bounds the checklist: the latest steps are what a reader wants.
const maxChecklist = 12

// progress turns the agent's stream into the checklist of the progress note, edited at most once
// every ProgressEvery by a goroutine that the run owns.
type progress struct {
	r *Runner
	j *job

	mu      sync.Mutex
	steps   []publish.Step
	changed bool
}

func newProgress(r *Runner, j *job) *progress {
	return &progress{r: r, j: j, steps: []publish.Step{{Text: "Read the request", Done: true}}}
}

// add is called by the agent for each event of its stream; it never blocks on GitLab.
func (p *progress) add(ev agent.Progress) {
	p.r.record(p.j, ev)
	text := ""
	switch ev.Kind {
	case agent.KindToolUse:
		text = toolLine(ev.Tool, ev.Summary)
	case agent.KindDenied:
		text = fmt.Sprintf("Not allowed: %s", toolLine(ev.Tool, ev.Summary))
	case agent.KindAPIRetry:
		text = fmt.Sprintf("Anthropic API busy (HTTP %d); retrying", ev.ErrorStatus)
	default:
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.steps {
		p.steps[i].Done = true
	}
	p.steps = append(p.steps, publish.Step{Text: p.r.redact(text)})
	if len(p.steps) > maxChecklist {
		p.steps = append(p.steps[:1:1], p.steps[len(p.steps)-maxChecklist+1:]...)
	}
	p.changed = true
}

func toolLine(tool, summary string) string {
	summary = strings.ReplaceAll(summary, "`", "'")
	if summary == "" {
		return tool
	}
	return fmt.Sprintf("%s `%s`", tool, summary)
}

// start edits the note while the run goes on; the returned func stops it and waits.
func (p *progress) start(ctx context.Context) func() {
	every := p.r.Settings.ProgressEvery
	if every <= 0 {
		every = 3 * time.Second
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				p.flush(ctx)
			}
		}
	}()
	return func() { cancel(); <-done }
}

func (p *progress) flush(ctx context.Context) {
	p.mu.Lock()
	if !p.changed || p.j.noteID == 0 { // no note to edit (a wiki page has no thread)
		p.mu.Unlock()
		return
	}
	body := publish.Progress(p.j.id, p.r.jobURL(p.j), append([]publish.Step(nil), p.steps...))
	p.changed = false
	p.mu.Unlock()
	if err := p.r.GitLab.UpdateNote(ctx, p.j.thread, p.j.noteID, body); err != nil && ctx.Err() == nil {
		p.j.log.Warn("job: progress edit failed", "error", p.r.redact(err.Error()))
	}
}

// plan replaces the checklist by the steps Claude gives through the GitLab tool (after the
// first, "Read the request"); the note is edited at the next tick.
func (p *progress) plan(items []mcptools.ProgressItem) {
	p.mu.Lock()
	defer p.mu.Unlock()
	steps := p.steps[:1:1]
	for _, it := range items {
		if len(steps) == maxChecklist {
			break
		}
		steps = append(steps, publish.Step{Text: p.r.redact(strings.ReplaceAll(it.Text, "`", "'")), Done: it.Done})
	}
	p.steps, p.changed = steps, true
}
