package agent

import (
	"encoding/json"
	"time"
)

// streamLine is one line of stream-json, with the fields of every line type we read. Fields
// whose JSON shape depends on the type (message) stay raw.
type streamLine struct {
	Type      string          `json:"type"`
	Subtype   string          `json:"subtype"`
	SessionID string          `json:"session_id"`
	Message   json.RawMessage `json:"message"` // an object in assistant/user lines, a string in permission_denied

	// system init
	Model   string `json:"model"`
	Version string `json:"claude_code_version"`

	// system api_retry
	Attempt      int     `json:"attempt"`
	MaxRetries   int     `json:"max_retries"`
	RetryDelayMS float64 `json:"retry_delay_ms"`
	ErrorStatus  *int    `json:"error_status"`

	// system permission_denied
	ToolName  string `json:"tool_name"`
	ToolUseID string `json:"tool_use_id"`

	// result
	IsError           bool         `json:"is_error"`
	Result            *string      `json:"result"` // null or missing on error_max_turns
	Errors            []string     `json:"errors"`
	NumTurns          int          `json:"num_turns"`
	TotalCostUSD      float64      `json:"total_cost_usd"`
	DurationMS        float64      `json:"duration_ms"`
	APIErrorStatus    *int         `json:"api_error_status"`
	TerminalReason    string       `json:"terminal_reason"`
	PermissionDenials []wireDenial `json:"permission_denials"`
}

type wireMessage struct {
	ID      string      `json:"id"`
	Model   string      `json:"model"`
	Content []wireBlock `json:"content"`
}

type wireBlock struct {
	Type      string          `json:"type"`
	Text      string          `json:"text"`
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
	ToolUseID string          `json:"tool_use_id"`
	Content   json.RawMessage `json:"content"` // a string or a list of text blocks
	IsError   bool            `json:"is_error"`
}

type wireDenial struct {
	ToolName  string          `json:"tool_name"`
	ToolUseID string          `json:"tool_use_id"`
	ToolInput json.RawMessage `json:"tool_input"`
}

// parser turns stream-json lines into progress events and, at the end, a result.
type parser struct {
	dir       string            // the worktree, to show paths relative to it
	toolNames map[string]string // tool_use id → tool name, to name tool results

	result    *streamLine // the result line, once seen
	sessionID string
	lines     int    // JSON lines read
	malformed int    // lines that were not JSON
	firstBad  string // the start of the first such line, for the error message
}

func newParser(dir string) *parser {
	return &parser{dir: dir, toolNames: map[string]string{}}
}

// feed reads one line and returns the progress it reports, if any. A line that is not JSON is
// counted, not fatal: a stray debug print must not lose a whole run.
func (p *parser) feed(raw []byte) []Progress {
	var l streamLine
	if err := json.Unmarshal(raw, &l); err != nil || l.Type == "" {
		if p.malformed == 0 {
			p.firstBad = shorten(string(raw[:min(len(raw), 80)]))
		}
		p.malformed++
		return nil
	}
	p.lines++
	if l.SessionID != "" {
		p.sessionID = l.SessionID
	}
	switch l.Type {
	case "system":
		return p.system(&l)
	case "assistant":
		return p.assistant(&l)
	case "user":
		return p.user(&l)
	case "result":
		p.result = &l
	}
	return nil
}

func (p *parser) system(l *streamLine) []Progress {
	switch l.Subtype {
	case "init":
		return []Progress{{Kind: KindInit, Model: l.Model, SessionID: l.SessionID, Version: l.Version}}
	case "api_retry":
		ev := Progress{Kind: KindAPIRetry, Attempt: l.Attempt, MaxRetries: l.MaxRetries,
			RetryDelay: time.Duration(l.RetryDelayMS * float64(time.Millisecond))}
		if l.ErrorStatus != nil {
			ev.ErrorStatus = *l.ErrorStatus
		}
		return []Progress{ev}
	case "permission_denied":
		var msg string
		_ = json.Unmarshal(l.Message, &msg) // the reason is optional
		return []Progress{{Kind: KindDenied, Tool: l.ToolName, ToolUseID: l.ToolUseID, Summary: shorten(msg)}}
	}
	return nil
}

func (p *parser) assistant(l *streamLine) []Progress {
	var m wireMessage
	if json.Unmarshal(l.Message, &m) != nil {
		return nil
	}
	var out []Progress
	for _, b := range m.Content {
		switch b.Type {
		case "text":
			if b.Text != "" {
				out = append(out, Progress{Kind: KindText, Text: b.Text})
			}
		case "tool_use":
			p.toolNames[b.ID] = b.Name
			out = append(out, Progress{Kind: KindToolUse, Tool: b.Name, ToolUseID: b.ID,
				Summary: toolSummary(b.Name, b.Input, p.dir)})
		}
	}
	return out
}

func (p *parser) user(l *streamLine) []Progress {
	var m wireMessage
	if json.Unmarshal(l.Message, &m) != nil {
		return nil
	}
	var out []Progress
	for _, b := range m.Content {
		if b.Type != "tool_result" {
			continue
		}
		out = append(out, Progress{Kind: KindToolResult, Tool: p.toolNames[b.ToolUseID],
			ToolUseID: b.ToolUseID, IsError: b.IsError, Summary: shorten(contentText(b.Content))})
	}
	return out
}

// contentText reads a tool_result content: a string, or a list of blocks whose text is joined.
func contentText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var blocks []wireBlock
	_ = json.Unmarshal(raw, &blocks) // images and unknown shapes have no text
	for _, b := range blocks {
		if b.Text != "" {
			return b.Text
		}
	}
	return ""
}

// finish fills the result fields known from the stream. ok is false when no result line came.
func (p *parser) finish(res *Result) (ok bool) {
	res.SessionID = p.sessionID
	l := p.result
	if l == nil {
		return false
	}
	if l.Result != nil {
		res.Text = *l.Result
	}
	res.IsError = l.IsError
	res.Subtype = l.Subtype
	res.NumTurns = l.NumTurns
	res.CostUSD = l.TotalCostUSD
	res.Duration = time.Duration(l.DurationMS * float64(time.Millisecond))
	res.Errors = l.Errors
	if l.APIErrorStatus != nil {
		res.APIErrorStatus = *l.APIErrorStatus
	}
	for _, d := range l.PermissionDenials {
		res.PermissionDenials = append(res.PermissionDenials, Denial{Tool: d.ToolName, ToolUseID: d.ToolUseID,
			Summary: toolSummary(d.ToolName, d.ToolInput, p.dir), Input: d.ToolInput})
	}
	return true
}
