// Package fakeanthropic is a stand-in for the Anthropic Messages API, good enough for the real
// Claude Code CLI to run a whole conversation offline: tests and the demo point ANTHROPIC_BASE_URL
// at it. What the model "says" comes from a Responder, so a test scripts the conversation.
package fakeanthropic

import (
	"encoding/json"
	"regexp"
	"strings"
)

// MessagesRequest is the part of a POST /v1/messages body the fake looks at. Fields stay loose
// (RawMessage) where the CLI sends several shapes.
type MessagesRequest struct {
	Model     string            `json:"model"`
	MaxTokens int               `json:"max_tokens"`
	Stream    bool              `json:"stream"`
	System    json.RawMessage   `json:"system"` // a string or a list of text blocks
	Messages  []Message         `json:"messages"`
	Tools     []json.RawMessage `json:"tools"`
}

// Message is one turn of the conversation. Content is a string or a list of blocks; role may be
// "system" too, which the real API accepts and the CLI sends.
type Message struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// Block is a content block of a message, as the fake reads it.
type Block struct {
	Type      string          `json:"type"`
	Text      string          `json:"text,omitempty"`
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Input     json.RawMessage `json:"input,omitempty"`
	ToolUseID string          `json:"tool_use_id,omitempty"`
	Content   json.RawMessage `json:"content,omitempty"`
	IsError   bool            `json:"is_error,omitempty"`
}

// Blocks returns the message content as blocks; a plain string becomes one text block.
func (m Message) Blocks() []Block {
	var s string
	if json.Unmarshal(m.Content, &s) == nil {
		return []Block{{Type: "text", Text: s}}
	}
	var blocks []Block
	_ = json.Unmarshal(m.Content, &blocks) // unknown shapes read as no blocks
	return blocks
}

// SystemText is the whole system prompt: the system field plus any role "system" messages.
func (r *MessagesRequest) SystemText() string {
	var parts []string
	var s string
	if json.Unmarshal(r.System, &s) == nil {
		parts = append(parts, s)
	} else {
		var blocks []Block
		_ = json.Unmarshal(r.System, &blocks)
		for _, b := range blocks {
			parts = append(parts, b.Text)
		}
	}
	for _, m := range r.Messages {
		if m.Role == "system" {
			for _, b := range m.Blocks() {
				parts = append(parts, b.Text)
			}
		}
	}
	return strings.Join(parts, "\n")
}

var workdirLine = regexp.MustCompile(`(?m)Primary working directory:\s*(\S+)`)

// WorkingDir is the absolute directory the CLI says it runs in, from the line "Primary working
// directory: /abs" of its system prompt (or first user message, where some options move it).
func (r *MessagesRequest) WorkingDir() string {
	texts := []string{r.SystemText()}
	for _, m := range r.Messages {
		for _, b := range m.Blocks() {
			texts = append(texts, b.Text)
		}
	}
	for _, t := range texts {
		if m := workdirLine.FindStringSubmatch(t); m != nil {
			return m[1]
		}
	}
	return ""
}

// LastToolResults returns the tool_result blocks of the last user message: non-empty means the
// CLI is reporting back on tools the fake asked for.
func (r *MessagesRequest) LastToolResults() []Block {
	for i := len(r.Messages) - 1; i >= 0; i-- {
		m := r.Messages[i]
		if m.Role != "user" {
			continue
		}
		var out []Block
		for _, b := range m.Blocks() {
			if b.Type == "tool_result" {
				out = append(out, b)
			}
		}
		return out
	}
	return nil
}

// HasTools says whether the request offers tools. Side requests (a session title, a summary)
// come without them and get a plain answer.
func (r *MessagesRequest) HasTools() bool { return len(r.Tools) > 0 }

// PromptText is the text of the first user message: what the CLI was asked.
func (r *MessagesRequest) PromptText() string {
	for _, m := range r.Messages {
		if m.Role != "user" {
			continue
		}
		var parts []string
		for _, b := range m.Blocks() {
			if b.Type == "text" {
				parts = append(parts, b.Text)
			}
		}
		return strings.Join(parts, "\n")
	}
	return ""
}

// ToolNames are the names of the tools the request offers (the CLI's own, and MCP tools as
// mcp__<server>__<tool>).
func (r *MessagesRequest) ToolNames() []string {
	var names []string
	for _, raw := range r.Tools {
		var t struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(raw, &t) == nil && t.Name != "" {
			names = append(names, t.Name)
		}
	}
	return names
}

// ResultText is a tool_result's content as text: the CLI sends a string or a list of text
// blocks (MCP tools' results).
func (b Block) ResultText() string {
	var s string
	if json.Unmarshal(b.Content, &s) == nil {
		return s
	}
	var parts []Block
	_ = json.Unmarshal(b.Content, &parts) // another shape has no text to give
	var out []string
	for _, p := range parts {
		if p.Type == "text" {
			out = append(out, p.Text)
		}
	}
	return strings.Join(out, "\n")
}
