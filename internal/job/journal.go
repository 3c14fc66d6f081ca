package job

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/egress"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/prompt"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// Journal keeps what a job's page shows and what the daily budget counts (internal/journal).
// Kinds of lines: step, text, tool, result, denied, retry, model, diff, error.
type Journal interface {
	Begin(ctx context.Context, jobID int64, req trigger.Request)
	Record(ctx context.Context, jobID int64, kind, text string)
	AddRun(ctx context.Context, jobID int64, costUSD float64, turns int, took time.Duration)
	Finish(ctx context.Context, jobID int64, outcome string)
	SpentSince(ctx context.Context, projectID int64, since time.Time) (float64, error)
}

// begin records the job's request for its page.
func (r *Runner) begin(ctx context.Context, j *job) {
	if r.Journal != nil {
		r.Journal.Begin(ctx, j.id, j.req)
	}
}

// note adds a line to the job's transcript, secrets redacted.
func (r *Runner) note(ctx context.Context, j *job, kind, text string) {
	if r.Journal != nil {
		r.Journal.Record(ctx, j.id, kind, r.redact(text))
	}
}

// record puts an event of the agent's stream in the transcript.
func (r *Runner) record(j *job, ev agent.Progress) {
	kind, text := "", ""
	switch ev.Kind {
	case agent.KindInit:
		kind, text = "step", fmt.Sprintf("Claude Code %s started (model %s)", ev.Version, ev.Model)
	case agent.KindText:
		kind, text = "text", ev.Text
	case agent.KindToolUse:
		kind, text = "tool", strings.TrimSpace(ev.Tool+" "+ev.Summary)
	case agent.KindToolResult:
		kind, text = "result", ev.Summary
		if ev.IsError {
			text = "error: " + text
		}
	case agent.KindDenied:
		kind, text = "denied", strings.TrimSpace(ev.Tool+" "+ev.Summary)
	case agent.KindAPIRetry:
		kind, text = "retry", fmt.Sprintf("Anthropic API busy (HTTP %d); retry %d of %d in %s", ev.ErrorStatus, ev.Attempt, ev.MaxRetries, ev.RetryDelay.Round(time.Millisecond))
	case agent.KindModel:
		kind, text = "model", modelLine(ev.Call)
	default:
		return
	}
	r.note(context.Background(), j, kind, text)
}

// modelLine says one model request in words: model, tokens, cost, time; never its content.
func modelLine(c *egress.Call) string {
	if c == nil {
		return ""
	}
	if c.Refused != "" {
		return "Model request refused: the budget is spent (" + c.Refused + ")"
	}
	if c.Status != http.StatusOK {
		return fmt.Sprintf("Model request %s: HTTP %d, %s", orUnknown(c.Model), c.Status, c.Took.Round(time.Millisecond))
	}
	u := c.Usage
	line := fmt.Sprintf("Model request %s: %d tokens in, %d out", orUnknown(c.Model), u.InputTokens, u.OutputTokens)
	if u.CacheRead+u.CacheWrite > 0 {
		line += fmt.Sprintf(" (cache: %d read, %d written)", u.CacheRead, u.CacheWrite)
	}
	return line + fmt.Sprintf(", $%.4f, %s", c.CostUSD, c.Took.Round(time.Millisecond))
}

func orUnknown(model string) string {
	if model == "" {
		return "(model not reported)"
	}
	return model
}

// recordRun counts what an agent run cost, for the job page, the metrics and the daily budget.
func (r *Runner) recordRun(ctx context.Context, j *job, out outcome) {
	if r.Journal != nil {
		r.Journal.AddRun(ctx, j.id, out.CostUSD, out.Turns, out.Duration)
	}
	if m := r.Metrics; m != nil {
		p := j.req.Project.Path
		m.AgentCost.WithLabelValues(p).Add(out.CostUSD)
		m.AgentTurns.WithLabelValues(p).Add(float64(out.Turns))
		m.AgentSeconds.WithLabelValues(p).Add(out.Duration.Seconds())
	}
}

// RecordSteps wraps a StepStore so that every recorded step of a job is also a line of its
// transcript, with the time it happened: the job page's timings per step.
func RecordSteps(s StepStore, j Journal) StepStore {
	if j == nil {
		return s
	}
	return &journalSteps{StepStore: s, j: j}
}

type journalSteps struct {
	StepStore
	j Journal
}

func (s *journalSteps) SaveStep(ctx context.Context, jobID int64, name, value string) error {
	if err := s.StepStore.SaveStep(ctx, jobID, name, value); err != nil {
		return err
	}
	kind, text := stepLine(name, value)
	if text != "" {
		s.j.Record(ctx, jobID, kind, text)
	}
	if name == stepAnswered {
		s.j.Finish(ctx, jobID, value)
	}
	return nil
}

// stepLine says a recorded step in words.
func stepLine(name, value string) (kind, text string) {
	switch name {
	case stepAward:
		return "step", "👀 given"
	case stepNote:
		return "step", "Progress note posted"
	case stepSettings:
		return "", "" // settings.go writes its own line
	case stepChecked:
		return "step", "Change checked against forbidden_paths"
	case stepResult:
		var out outcome
		if json.Unmarshal([]byte(value), &out) != nil {
			return "step", "Claude finished"
		}
		text = fmt.Sprintf("Claude finished: %d turns, $%.4f, %s", out.Turns, out.CostUSD, out.Duration.Round(time.Second))
		if out.Commit != "" {
			text += ", committed " + event.ShortSHA(out.Commit)
		} else {
			text += ", no change to the files"
		}
		return "step", text
	case stepBranch:
		var b branchIntent
		_ = json.Unmarshal([]byte(value), &b)
		return "step", "Pushing to the new branch " + b.Name
	case stepPushed:
		var p pushed
		_ = json.Unmarshal([]byte(value), &p)
		return "step", fmt.Sprintf("Pushed %s to %s", event.ShortSHA(p.SHA), p.Branch)
	case stepMR:
		var mr mrDone
		_ = json.Unmarshal([]byte(value), &mr)
		return "step", fmt.Sprintf("Merge request !%d opened", mr.IID)
	case stepMerge:
		if value == "set" || strings.HasPrefix(value, "set: ") {
			return "step", "Set to merge when the pipeline succeeds"
		}
		return "step", "Auto-merge not set: " + value
	case stepAnswered:
		o := jobstate.ParseOutcome(value)
		switch {
		case o.Status == jobstate.Failed:
			return "error", o.Detail
		case o.Status == jobstate.Answered && o.Detail == "":
			return "step", "Answered in the thread"
		case o.Detail == "":
			return "step", "Ended: " + o.Status.String()
		}
		return "step", "Ended (" + o.Status.String() + "): " + o.Detail
	case stepWaiting:
		return "step", "Waiting for GitLab; next try at " + value
	case stepFollowUp:
		var f prompt.FollowUp
		if value == "none" || json.Unmarshal([]byte(value), &f) != nil {
			return "", "" // not a follow-up: nothing worth a line
		}
		return "step", fmt.Sprintf("Fixing the review comment on %s:%d", f.Path, f.Line)
	case stepResolved:
		return "step", "Review comment's discussion resolved"
	case stepPipelineMR:
		return "step", "Failed pipeline of merge request !" + value
	case stepPipelineAttempt:
		if value == "0" {
			return "step", "Past PIPELINE_FIX_ATTEMPTS: asking for help"
		}
		return "step", "Pipeline fix attempt " + value
	case stepReviewVersion:
		return "step", "Reviewing the merge request's latest diff"
	}
	switch {
	case strings.HasPrefix(name, stepFindingPrefix):
		return "step", "Review comment posted"
	case strings.HasPrefix(name, stepFixedPrefix):
		return "step", "Earlier review comment resolved as fixed"
	case strings.HasPrefix(name, stepAnswered+"_part_"):
		return "step", "Answer part " + strings.TrimPrefix(name, stepAnswered+"_part_") + " posted"
	}
	return "step", strings.ReplaceAll(name, "_", " ") // a step without words yet, still readable
}
