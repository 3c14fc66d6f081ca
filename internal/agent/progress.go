package agent

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/egress"
)

// ProgressKind says what a Progress event reports.
type ProgressKind string

// The kinds of progress, in the order a run usually shows them.
const (
	KindInit       ProgressKind = "init"        // the CLI started: Model, SessionID, Version
	KindText       ProgressKind = "text"        // assistant text: Text
	KindToolUse    ProgressKind = "tool_use"    // a tool call: Tool, Summary, ToolUseID
	KindToolResult ProgressKind = "tool_result" // its outcome: Tool, ToolUseID, IsError, Summary
	KindDenied     ProgressKind = "denied"      // a tool call refused by permissions: Tool, Summary
	KindAPIRetry   ProgressKind = "api_retry"   // the CLI retries the API: Attempt, MaxRetries, ...
	KindModel      ProgressKind = "model"       // one model request through the service's proxy: Model, Call
)

// Progress is one step of a run, for a live checklist.
type Progress struct {
	Kind ProgressKind

	Model, SessionID, Version string // init

	Text string // text

	Tool      string // tool_use, tool_result, denied
	ToolUseID string
	Summary   string // what the tool works on (a path, a command) or the start of its result
	IsError   bool   // tool_result

	Attempt, MaxRetries int // api_retry
	RetryDelay          time.Duration
	ErrorStatus         int

	Call *egress.Call // model: tokens, cost, time, status; never content
}

// Denial is a tool call the permissions refused: the run may still end in success, so callers
// should tell the user what Claude could not do.
type Denial struct {
	Tool      string
	ToolUseID string
	Summary   string          // the path or command, as in Progress
	Input     json.RawMessage // the tool's input as the CLI reported it
}

const summaryMax = 120

// toolSummary says in a few words what a tool call works on. dir is the worktree: paths inside
// it are shown relative, as a user knows them.
func toolSummary(tool string, input json.RawMessage, dir string) string {
	var in map[string]any
	_ = json.Unmarshal(input, &in) // a tool without a readable input gets no summary
	str := func(key string) string { s, _ := in[key].(string); return s }
	var s string
	switch tool {
	case "Write", "Edit", "MultiEdit", "Read", "NotebookEdit":
		s = relPath(firstOf(str("file_path"), str("notebook_path")), dir)
	case "Bash":
		s = str("command")
	case "Grep", "Glob":
		s = str("pattern")
		if p := str("path"); p != "" {
			s += " in " + relPath(p, dir)
		}
	case "WebFetch":
		s = str("url")
	case "WebSearch":
		s = str("query")
	case "Task", "Agent":
		s = str("description")
	case "TodoWrite":
		if todos, ok := in["todos"].([]any); ok {
			s = fmt.Sprintf("%d items", len(todos))
		}
	default:
		if strings.HasPrefix(tool, "mcp__") { // an MCP tool (the service's GitLab tools): its arguments
			s = firstOf(str("description"), mcpSummary(in))
			break
		}
		s = firstOf(str("description"), str("file_path"), str("command"), str("path"))
	}
	return shorten(s)
}

// mcpSummary says an MCP tool's arguments as key=value, sorted; lists by their length.
func mcpSummary(in map[string]any) string {
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		switch v := in[k].(type) {
		case []any:
			parts = append(parts, fmt.Sprintf("%s=[%d]", k, len(v)))
		case map[string]any:
			parts = append(parts, k+"={…}")
		default:
			parts = append(parts, fmt.Sprintf("%s=%v", k, v))
		}
	}
	return strings.Join(parts, " ")
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func relPath(p, dir string) string {
	if dir == "" || p == "" || !filepath.IsAbs(p) {
		return p
	}
	if rel, err := filepath.Rel(dir, p); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return p
}

// shorten keeps the first line, cut to summaryMax runes.
func shorten(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	if r := []rune(s); len(r) > summaryMax {
		s = string(r[:summaryMax]) + "…"
	}
	return s
}
