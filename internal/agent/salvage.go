package agent

import (
	"bytes"
	"encoding/json"
)

// salvageResult reads a result line cut at the line bound: the fields complete before the cut,
// and the start of the answer text. A 50 MB answer then becomes its first few MB, marked cut,
// instead of a run without a result. The top-level "result" key tells a result line apart: no
// other line of the stream has one (assistant text sits under "message").
func (p *parser) salvageResult(head []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(head))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	fields := map[string]json.RawMessage{}
	var text string
	found := false
	for dec.More() {
		key, err := dec.Token()
		name, ok := key.(string)
		if err != nil || !ok {
			break
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == nil {
			fields[name] = raw
			continue
		}
		if name == "result" {
			text, found = partialString(head[dec.InputOffset():])
		}
		break // the cut
	}
	if _, isResult := fields["result"]; !found && !isResult {
		return false
	}
	if t, ok := fields["type"]; ok && string(t) != `"result"` {
		return false
	}
	if _, ok := fields["message"]; ok {
		return false
	}
	delete(fields, "result")
	whole, err := json.Marshal(fields)
	var l streamLine
	if err != nil || json.Unmarshal(whole, &l) != nil {
		return false
	}
	l.Type = "result"
	if found {
		l.Result = &text
	}
	p.result = &l
	return true
}

// partialString decodes the start of a JSON string cut anywhere: b is what follows the key
// (`: "abc\n de`), possibly ending inside an escape.
func partialString(b []byte) (string, bool) {
	b = bytes.TrimLeft(b, " \t\r\n:")
	if len(b) == 0 || b[0] != '"' {
		return "", false
	}
	for drop := 0; drop <= 6 && drop < len(b); drop++ {
		var s string
		if json.Unmarshal(append(bytes.Clone(b[:len(b)-drop]), '"'), &s) == nil {
			return s, true
		}
	}
	return "", false
}
