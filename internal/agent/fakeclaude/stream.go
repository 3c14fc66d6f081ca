package main

import (
	"bufio"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

const version = "2.1.328-fake"

// session prints one run's stream-json.
type session struct {
	opts    options
	prompt  string
	cwd     string
	id      string
	out     *bufio.Writer
	start   time.Time
	turns   int
	msgs    int
	answer  string
	denials []map[string]any
}

func newSession(opts options, prompt string) *session {
	cwd, _ := os.Getwd()
	return &session{opts: opts, prompt: prompt, cwd: cwd, id: uuid(), start: time.Now(),
		out: bufio.NewWriterSize(os.Stdout, 64<<10), turns: 1}
}

func uuid() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// emit prints one JSON line and flushes, as the real CLI does line by line.
func (s *session) emit(v map[string]any) {
	v["session_id"] = s.id
	v["uuid"] = uuid()
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	s.out.Write(raw)
	s.out.WriteByte('\n')
	s.out.Flush()
}

func (s *session) init() {
	s.emit(map[string]any{"type": "system", "subtype": "init", "cwd": s.cwd,
		"tools":       []string{"Task", "Bash", "Edit", "Glob", "Grep", "Read", "Write", "WebFetch"},
		"mcp_servers": []any{}, "model": s.opts.model, "permissionMode": s.opts.permissionMode,
		"apiKeySource": "ANTHROPIC_API_KEY", "claude_code_version": version, "output_style": "default"})
}

// assistant prints one content block as its own line, like the real CLI.
func (s *session) assistant(block map[string]any, model string) {
	s.msgs++
	s.emit(map[string]any{"type": "assistant", "parent_tool_use_id": nil,
		"message": map[string]any{"id": fmt.Sprintf("msg_fake_%d", s.msgs), "type": "message",
			"role": "assistant", "model": model, "content": []any{block},
			"stop_reason": nil, "stop_sequence": nil,
			"usage": map[string]int{"input_tokens": 100, "output_tokens": 20}}})
}

func (s *session) text(t string) {
	s.assistant(map[string]any{"type": "text", "text": t}, s.opts.model)
}

// toolUse prints a tool call and returns its id.
func (s *session) toolUse(name string, input map[string]any) string {
	id := fmt.Sprintf("toolu_fake_%d", s.msgs+1)
	s.assistant(map[string]any{"type": "tool_use", "id": id, "name": name, "input": input}, s.opts.model)
	s.turns++
	return id
}

func (s *session) toolResult(id, content string, isError bool, extra any) {
	s.emit(map[string]any{"type": "user", "parent_tool_use_id": nil, "tool_use_result": extra,
		"message": map[string]any{"role": "user", "content": []any{map[string]any{
			"type": "tool_result", "tool_use_id": id, "content": content, "is_error": isError}}}})
}

// result prints the last line. text nil prints no "result" field, as on error_max_turns.
func (s *session) result(subtype string, isError bool, text *string, extra map[string]any) {
	cost := 0.0006 * float64(s.turns)
	v := map[string]any{"type": "result", "subtype": subtype, "is_error": isError,
		"duration_ms": time.Since(s.start).Milliseconds(), "duration_api_ms": 40,
		"num_turns": s.turns, "stop_reason": "end_turn", "total_cost_usd": cost,
		"usage": map[string]int{"input_tokens": 100 * s.turns, "output_tokens": 20 * s.turns,
			"cache_creation_input_tokens": 0, "cache_read_input_tokens": 0},
		"modelUsage":         map[string]any{s.opts.model: map[string]any{"costUSD": cost}},
		"permission_denials": s.denialsOrEmpty(), "terminal_reason": "completed", "api_error_status": nil}
	if text != nil {
		v["result"] = *text
	}
	for k, x := range extra {
		v[k] = x
	}
	s.emit(v)
}

func (s *session) denialsOrEmpty() []map[string]any {
	if s.denials == nil {
		return []map[string]any{}
	}
	return s.denials
}
