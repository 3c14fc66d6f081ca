package journal

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/egress"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
)

// AgentLine says an event of the agent's stream as a transcript line; ok is false for events the
// transcript leaves out.
func AgentLine(ev agent.Progress) (kind, text string, ok bool) {
	switch ev.Kind {
	case agent.KindInit:
		return KindStep, fmt.Sprintf("Claude Code %s started (model %s)", ev.Version, ev.Model), true
	case agent.KindText:
		return KindText, ev.Text, true
	case agent.KindToolUse:
		return KindTool, strings.TrimSpace(ev.Tool + " " + ev.Summary), true
	case agent.KindToolResult:
		if ev.IsError {
			return KindResult, "error: " + ev.Summary, true
		}
		return KindResult, ev.Summary, true
	case agent.KindDenied:
		return KindDenied, strings.TrimSpace(ev.Tool + " " + ev.Summary), true
	case agent.KindAPIRetry:
		return KindRetry, fmt.Sprintf("Anthropic API busy (HTTP %d); retry %d of %d in %s", ev.ErrorStatus, ev.Attempt, ev.MaxRetries, ev.RetryDelay.Round(time.Millisecond)), true
	case agent.KindModel:
		return KindModel, ModelLine(ev.Call), true
	}
	return "", "", false
}

// ModelLine says one model request in words: model, tokens, cost, time; never its content.
func ModelLine(c *egress.Call) string {
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

// StepLine says a step that internal/job recorded in words: the job page's timings per step.
// An empty text leaves the step out of the transcript. A step without words yet reads as its name.
func StepLine(name, value string) (kind, text string) {
	if words, ok := stepWords[name]; ok {
		return words(value)
	}
	for prefix, words := range stepPrefixes {
		if rest, ok := strings.CutPrefix(name, prefix); ok {
			return KindStep, words(rest)
		}
	}
	return KindStep, strings.ReplaceAll(name, "_", " ")
}

// stepWords are the steps of internal/job by their stored names (steps.go and the task files):
// they are rows in the database, so the names do not change. A value is the step's record there,
// of which only the JSON fields read here matter.
var stepWords = map[string]func(value string) (kind, text string){
	"award":    says("👀 given"),
	"note":     says("Progress note posted"),
	"settings": says(""), // the settings write their own line
	"checked":  says("Change checked against forbidden_paths"),
	"result":   resultLine,
	"branch":   func(v string) (string, string) { return KindStep, "Pushing to the new branch " + field(v).Name },
	"pushed": func(v string) (string, string) {
		f := field(v)
		return KindStep, "Pushed " + event.ShortSHA(f.SHA) + " to " + f.Branch
	},
	"mr": func(v string) (string, string) {
		return KindStep, fmt.Sprintf("Merge request !%d opened", field(v).IID)
	},
	"merge":             mergeLine,
	"answered":          endLine,
	"waiting":           func(v string) (string, string) { return KindStep, "Waiting for GitLab; next try at " + v },
	"followup":          followUpLine,
	"followup_resolved": says("Review comment's discussion resolved"),
	"pipeline_mr":       func(v string) (string, string) { return KindStep, "Failed pipeline of merge request !" + v },
	"pipeline_attempt":  pipelineAttemptLine,
	"review_version":    says("Reviewing the merge request's latest diff"),
}

// stepPrefixes are the steps recorded once per item: the name goes on with the item's id.
var stepPrefixes = map[string]func(rest string) string{
	"finding_":       func(string) string { return "Review comment posted" },
	"fixed_":         func(string) string { return "Earlier review comment resolved as fixed" },
	"answered_part_": func(k string) string { return "Answer part " + k + " posted" },
}

func says(text string) func(string) (string, string) {
	if text == "" {
		return func(string) (string, string) { return "", "" }
	}
	return func(string) (string, string) { return KindStep, text }
}

// stepRecord holds the fields of a step's JSON record that its line reads.
type stepRecord struct {
	Name   string        `json:"name"`   // branch
	SHA    string        `json:"sha"`    // pushed
	Branch string        `json:"branch"` // pushed
	IID    int64         `json:"iid"`    // mr
	Path   string        `json:"path"`   // followup
	Line   int           `json:"line"`   // followup
	Turns  int           `json:"turns"`  // result
	Cost   float64       `json:"cost_usd"`
	Took   time.Duration `json:"duration"`
	Commit string        `json:"commit"`
}

func field(value string) (r stepRecord) {
	_ = json.Unmarshal([]byte(value), &r)
	return r
}

func resultLine(value string) (string, string) {
	var r stepRecord
	if json.Unmarshal([]byte(value), &r) != nil {
		return KindStep, "Claude finished"
	}
	text := fmt.Sprintf("Claude finished: %d turns, $%.4f, %s", r.Turns, r.Cost, r.Took.Round(time.Second))
	if r.Commit == "" {
		return KindStep, text + ", no change to the files"
	}
	return KindStep, text + ", committed " + event.ShortSHA(r.Commit)
}

func mergeLine(value string) (string, string) {
	if value == "set" || strings.HasPrefix(value, "set: ") {
		return KindStep, "Set to merge when the pipeline succeeds"
	}
	return KindStep, "Auto-merge not set: " + value
}

func endLine(value string) (string, string) {
	o := jobstate.ParseOutcome(value)
	switch {
	case o.Status == jobstate.Failed:
		return KindError, o.Detail
	case o.Status == jobstate.Answered && o.Detail == "":
		return KindStep, "Answered in the thread"
	case o.Detail == "":
		return KindStep, "Ended: " + o.Status.String()
	}
	return KindStep, "Ended (" + o.Status.String() + "): " + o.Detail
}

func followUpLine(value string) (string, string) {
	var r stepRecord
	if value == "none" || json.Unmarshal([]byte(value), &r) != nil {
		return "", "" // not a follow-up: nothing worth a line
	}
	return KindStep, fmt.Sprintf("Fixing the review comment on %s:%d", r.Path, r.Line)
}

func pipelineAttemptLine(value string) (string, string) {
	if value == "0" {
		return KindStep, "Past PIPELINE_FIX_ATTEMPTS: asking for help"
	}
	return KindStep, "Pipeline fix attempt " + value
}
