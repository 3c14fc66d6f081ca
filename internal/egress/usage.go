package egress

import (
	"bytes"
	"encoding/json"
	"io"
)

// maxMeterLine bounds what the meter keeps of one line (an SSE event, or a whole JSON answer):
// usage comes in short events; a longer line is a content delta and is skipped.
const maxMeterLine = 1 << 20

// meter reads the model and the usage figures out of a Messages API answer as it streams
// through, without holding it: SSE (message_start carries the model and the input usage,
// message_delta the running output count) or one JSON message.
type meter struct {
	sse     bool
	line    []byte
	skip    bool // the current line passed maxMeterLine
	model   string
	usage   Usage
	counted bool // some usage figure was seen
}

// write feeds a chunk of the answer.
func (m *meter) write(p []byte) {
	if !m.sse {
		if !m.skip && len(m.line)+len(p) <= maxMeterLine {
			m.line = append(m.line, p...)
		} else {
			m.skip, m.line = true, nil
		}
		return
	}
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if !m.skip && len(m.line)+len(chunk) <= maxMeterLine {
			m.line = append(m.line, chunk...)
		} else {
			m.skip, m.line = true, m.line[:0]
		}
		if i < 0 {
			return
		}
		if !m.skip {
			m.event(m.line)
		}
		m.line, m.skip, p = m.line[:0], false, p[i+1:]
	}
}

// close parses a JSON answer once it is complete.
func (m *meter) close() {
	if !m.sse && !m.skip {
		var msg struct {
			Model string `json:"model"`
			Usage *Usage `json:"usage"`
		}
		if json.Unmarshal(m.line, &msg) == nil && msg.Usage != nil {
			m.model, m.usage, m.counted = msg.Model, *msg.Usage, true
		}
	}
	m.line = nil
}

type usageFields struct {
	InputTokens  *int64 `json:"input_tokens"`
	OutputTokens *int64 `json:"output_tokens"`
	CacheWrite   *int64 `json:"cache_creation_input_tokens"`
	CacheRead    *int64 `json:"cache_read_input_tokens"`
}

// event handles one SSE line: only "data: {...}" lines of message_start and message_delta.
func (m *meter) event(line []byte) {
	data, ok := bytes.CutPrefix(line, []byte("data:"))
	if !ok {
		return
	}
	var ev struct {
		Type    string `json:"type"`
		Message struct {
			Model string       `json:"model"`
			Usage *usageFields `json:"usage"`
		} `json:"message"`
		Usage *usageFields `json:"usage"`
	}
	if json.Unmarshal(bytes.TrimSpace(data), &ev) != nil {
		return
	}
	switch ev.Type {
	case "message_start":
		m.model = ev.Message.Model
		m.set(ev.Message.Usage)
	case "message_delta":
		m.set(ev.Usage) // the figures are totals so far, not increments
	}
}

func (m *meter) set(f *usageFields) {
	if f == nil {
		return
	}
	m.counted = true
	for _, p := range []struct {
		from *int64
		to   *int64
	}{{f.InputTokens, &m.usage.InputTokens}, {f.OutputTokens, &m.usage.OutputTokens},
		{f.CacheWrite, &m.usage.CacheWrite}, {f.CacheRead, &m.usage.CacheRead}} {
		if p.from != nil {
			*p.to = *p.from
		}
	}
}

// meteredBody passes the answer through to the client while the meter reads it; done runs
// once, at EOF, an error or Close.
type meteredBody struct {
	io.ReadCloser
	m    *meter
	done func(*meter)
	end  bool
}

func (b *meteredBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.m.write(p[:n])
	if err != nil {
		b.finish()
	}
	return n, err
}

func (b *meteredBody) Close() error {
	b.finish()
	return b.ReadCloser.Close()
}

func (b *meteredBody) finish() {
	if !b.end {
		b.end = true
		b.m.close()
		b.done(b.m)
	}
}
