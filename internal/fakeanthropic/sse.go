package fakeanthropic

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// message is the non-streaming answer, or with final=false the message_start skeleton.
func message(id, model string, r Reply, final bool) map[string]any {
	in, out := r.usage()
	m := map[string]any{
		"id": id, "type": "message", "role": "assistant", "model": model,
		"content": []any{}, "stop_reason": nil, "stop_sequence": nil,
		"usage": map[string]int{"input_tokens": in, "output_tokens": 1,
			"cache_creation_input_tokens": r.CacheWrite, "cache_read_input_tokens": r.CacheRead},
	}
	if final {
		m["content"] = wireBlocks(r.Blocks)
		m["stop_reason"] = r.stopReason()
		m["usage"] = map[string]int{"input_tokens": in, "output_tokens": out,
			"cache_creation_input_tokens": r.CacheWrite, "cache_read_input_tokens": r.CacheRead}
	}
	return m
}

func wireBlocks(blocks []Block) []any {
	out := make([]any, 0, len(blocks))
	for _, b := range blocks {
		out = append(out, wireBlock(b, true))
	}
	return out
}

// wireBlock is a block as the API sends it; withBody=false is the empty shell that
// content_block_start carries before the deltas fill it.
func wireBlock(b Block, withBody bool) map[string]any {
	if b.Type == "tool_use" {
		input := json.RawMessage("{}")
		if withBody && len(b.Input) > 0 {
			input = b.Input
		}
		return map[string]any{"type": "tool_use", "id": b.ID, "name": b.Name, "input": input}
	}
	text := ""
	if withBody {
		text = b.Text
	}
	return map[string]any{"type": "text", "text": text}
}

// writeStream sends the reply as the API's server-sent events.
func writeStream(w http.ResponseWriter, id, model string, r Reply) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	send := func(event string, data any) {
		raw, _ := json.Marshal(data)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, raw)
	}
	send("message_start", map[string]any{"type": "message_start", "message": message(id, model, r, false)})
	for i, b := range r.Blocks {
		send("content_block_start", map[string]any{"type": "content_block_start", "index": i, "content_block": wireBlock(b, false)})
		send("content_block_delta", map[string]any{"type": "content_block_delta", "index": i, "delta": delta(b)})
		send("content_block_stop", map[string]any{"type": "content_block_stop", "index": i})
	}
	_, out := r.usage()
	send("message_delta", map[string]any{"type": "message_delta",
		"delta": map[string]any{"stop_reason": r.stopReason(), "stop_sequence": nil},
		"usage": map[string]int{"output_tokens": out}})
	send("message_stop", map[string]any{"type": "message_stop"})
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

func delta(b Block) map[string]any {
	if b.Type == "tool_use" {
		input := string(b.Input)
		if input == "" {
			input = "{}"
		}
		return map[string]any{"type": "input_json_delta", "partial_json": input}
	}
	return map[string]any{"type": "text_delta", "text": b.Text}
}
