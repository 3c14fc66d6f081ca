package publish

import (
	"fmt"
	"strings"
	"sync"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/mcptools"
)

// maxChecklist bounds the checklist: the latest steps are what a reader wants.
const maxChecklist = 12

// Step is one line of the progress checklist.
type Step struct {
	Text string
	Done bool
}

// Progress is the text of the progress note while a job runs.
func Progress(jobID int64, jobURL string, steps []Step) string {
	var b strings.Builder
	b.WriteString("🤖 **Claude is working on it…**\n\n")
	for _, s := range steps {
		box := "[ ]"
		if s.Done {
			box = "[x]"
		}
		fmt.Fprintf(&b, "- %s %s\n", box, s.Text)
	}
	if jobURL != "" {
		fmt.Fprintf(&b, "\n[Follow the run](%s)\n", jobURL)
	}
	b.WriteString("\n" + marker.Job(jobID))
	return b.String()
}

// Checklist is the progress note's checklist while a job runs: the agent's tool calls as they
// come, or the plan Claude gives through the GitLab tool. The agent's stream adds to it while the
// note is edited from it: it is safe for concurrent use.
type Checklist struct {
	redact func(string) string // the caller's secrets out of every line

	mu      sync.Mutex
	steps   []Step
	changed bool
}

// NewChecklist starts the checklist with its first step, "Read the request", done; redact takes
// secrets out of the lines added.
func NewChecklist(redact func(string) string) *Checklist {
	return &Checklist{redact: redact, steps: []Step{{Text: "Read the request", Done: true}}}
}

// Add adds the line of an event of the agent's stream (a tool call, a denied one, the API
// retrying), the earlier steps then done; other events add nothing.
func (c *Checklist) Add(ev agent.Progress) {
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
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.steps {
		c.steps[i].Done = true
	}
	c.steps = append(c.steps, Step{Text: c.redact(text)})
	if len(c.steps) > maxChecklist {
		c.steps = append(c.steps[:1:1], c.steps[len(c.steps)-maxChecklist+1:]...)
	}
	c.changed = true
}

func toolLine(tool, summary string) string {
	summary = strings.ReplaceAll(summary, "`", "'")
	if summary == "" {
		return tool
	}
	return fmt.Sprintf("%s `%s`", tool, summary)
}

// Plan replaces the checklist by the steps Claude gives through the GitLab tool (after the
// first, "Read the request").
func (c *Checklist) Plan(items []mcptools.ProgressItem) {
	c.mu.Lock()
	defer c.mu.Unlock()
	steps := c.steps[:1:1]
	for _, it := range items {
		if len(steps) == maxChecklist {
			break
		}
		steps = append(steps, Step{Text: c.redact(strings.ReplaceAll(it.Text, "`", "'")), Done: it.Done})
	}
	c.steps, c.changed = steps, true
}

// Render is the progress note's text (Progress) when the checklist changed since the last
// Render; ok false: nothing new to show.
func (c *Checklist) Render(jobID int64, jobURL string) (body string, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.changed {
		return "", false
	}
	c.changed = false
	return Progress(jobID, jobURL, c.steps), true
}
