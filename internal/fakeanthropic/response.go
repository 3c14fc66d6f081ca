package fakeanthropic

import (
	"encoding/json"
	"path/filepath"
	"strconv"
)

// Reply is what the fake model answers to one request.
type Reply struct {
	Blocks     []Block // text and tool_use blocks, in order
	StopReason string  // "end_turn" or "tool_use" when empty, from the blocks
	// Status, when not 0 or 200, makes the request fail with this HTTP status and an API error
	// body (e.g. 500, 529 overloaded, 401 invalid key).
	Status       int
	ErrorMessage string
	InputTokens  int
	OutputTokens int
	CacheRead    int // cache_read_input_tokens
	CacheWrite   int // cache_creation_input_tokens
}

// Responder decides the reply to each request. n counts the requests that offered tools (the
// main conversation), starting at 1.
type Responder func(req *MessagesRequest, n int) Reply

// Text is a reply with one text block.
func Text(s string) Reply { return Reply{Blocks: []Block{{Type: "text", Text: s}}} }

// ToolUse is a reply asking for one tool with the given input.
func ToolUse(id, name string, input any) Reply {
	raw, err := json.Marshal(input)
	if err != nil {
		panic("fakeanthropic: tool input: " + err.Error()) // a programming error in a test
	}
	return Reply{Blocks: []Block{{Type: "tool_use", ID: id, Name: name, Input: raw}}}
}

// WriteThenAnswer is the classic scripted conversation: the first request gets a tool_use
// Write{file_path: <working dir>/name, content}; once the tool_result comes back, the final text.
// Requests without tools (titles, summaries) get a short plain answer.
func WriteThenAnswer(name, content, final string) Responder {
	return func(req *MessagesRequest, n int) Reply {
		if !req.HasTools() {
			return Text("Fake title")
		}
		if len(req.LastToolResults()) > 0 {
			return Text(final)
		}
		path := filepath.Join(req.WorkingDir(), name)
		return ToolUse("toolu_fake_write_1", "Write", map[string]string{"file_path": path, "content": content})
	}
}

// ToolThenAnswer asks once for a tool with the given input, then gives the final text: with a
// tool the CLI is not allowed to run, this is a permission denial that still ends in success.
func ToolThenAnswer(name string, input any, final string) Responder {
	return func(req *MessagesRequest, n int) Reply {
		if !req.HasTools() {
			return Text("Fake title")
		}
		if len(req.LastToolResults()) > 0 {
			return Text(final)
		}
		return ToolUse("toolu_fake_1", name, input)
	}
}

// Answer replies with one final text to every request.
func Answer(final string) Responder {
	return func(req *MessagesRequest, n int) Reply { return Text(final) }
}

// Fail answers every request with an HTTP error status.
func Fail(status int, message string) Responder {
	return func(req *MessagesRequest, n int) Reply { return Reply{Status: status, ErrorMessage: message} }
}

// ToolForever asks for the same tool on every turn, to drive the CLI into its turn limit or a
// permission denial.
func ToolForever(name string, input any) Responder {
	return func(req *MessagesRequest, n int) Reply {
		if !req.HasTools() {
			return Text("Fake title")
		}
		return ToolUse("toolu_fake_"+strconv.Itoa(n), name, input)
	}
}

func (r Reply) stopReason() string {
	if r.StopReason != "" {
		return r.StopReason
	}
	for _, b := range r.Blocks {
		if b.Type == "tool_use" {
			return "tool_use"
		}
	}
	return "end_turn"
}

func (r Reply) usage() (in, out int) {
	in, out = r.InputTokens, r.OutputTokens
	if in == 0 {
		in = 100
	}
	if out == 0 {
		out = 20
	}
	return in, out
}

// ToolThenUse asks once for a tool (e.g. an MCP tool, mcp__gitlab__read_issue) with the given
// input, then answers with answer(the tool's result as text): the final text shows the model
// used what the tool returned.
func ToolThenUse(name string, input any, answer func(result string, isError bool) string) Responder {
	return func(req *MessagesRequest, n int) Reply {
		if !req.HasTools() {
			return Text("Fake title")
		}
		if res := req.LastToolResults(); len(res) > 0 {
			return Text(answer(res[0].ResultText(), res[0].IsError))
		}
		return ToolUse("toolu_fake_1", name, input)
	}
}
