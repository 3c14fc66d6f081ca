package review

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Finding is one remark of a review, as Claude returns it.
type Finding struct {
	Path       string `json:"path"`
	NewLine    int    `json:"new_line,omitempty"`
	OldLine    int    `json:"old_line,omitempty"`
	Severity   string `json:"severity,omitempty"`
	Text       string `json:"text"`
	Suggestion string `json:"suggestion,omitempty"` // replacement for the line, when Claude has one
}

// ID names a finding across reviews: its file and its words, not its line, so that a remark
// on code that moved in a later commit is recognised as the same remark.
func (f Finding) ID() string {
	sum := sha256.Sum256([]byte(strings.TrimPrefix(f.Path, "./") + "\x00" + normalize(f.Text)))
	return hex.EncodeToString(sum[:])[:16]
}

// normalize keeps letters and digits in lower case, one space between words.
func normalize(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}

// Result is a review as we ask Claude to give it.
type Result struct {
	Verdict  string
	Findings []Finding
	Fixed    []string // ids of earlier findings the current code no longer has
	Text     string   // the answer without its structured block: the summary's prose
	Parsed   bool     // false: no usable block, Text is the whole answer
}

// block is the fenced JSON the prompt asks for; fields are read leniently.
type block struct {
	Verdict  string            `json:"verdict"`
	Findings []json.RawMessage `json:"findings"`
	Fixed    []any             `json:"fixed"`
}

var fence = regexp.MustCompile("(?s)```[ \t]*json[ \t]*\r?\n(.*?)\r?\n[ \t]*```")

// ParseAnswer finds the last ```json block of the answer that holds a verdict or findings and
// reads it. Whatever cannot be read is kept as text: a review is never lost.
func ParseAnswer(answer string) Result {
	matches := fence.FindAllStringSubmatchIndex(answer, -1)
	for i := len(matches) - 1; i >= 0; i-- {
		m := matches[i]
		var b block
		if err := json.Unmarshal([]byte(answer[m[2]:m[3]]), &b); err != nil || (b.Verdict == "" && b.Findings == nil) {
			continue
		}
		r := Result{Verdict: strings.TrimSpace(b.Verdict), Parsed: true,
			Text: strings.TrimSpace(answer[:m[0]] + answer[m[1]:])}
		for _, raw := range b.Findings {
			if f, ok := readFinding(raw); ok {
				r.Findings = append(r.Findings, f)
			}
		}
		for _, x := range b.Fixed {
			if s, ok := x.(string); ok && s != "" {
				r.Fixed = append(r.Fixed, strings.TrimSpace(s))
			}
		}
		return r
	}
	return Result{Text: strings.TrimSpace(answer)}
}

// readFinding accepts line numbers as numbers or strings and "file"/"line" as other names.
func readFinding(raw json.RawMessage) (Finding, bool) {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return Finding{}, false
	}
	str := func(keys ...string) string {
		for _, k := range keys {
			if s, ok := m[k].(string); ok && strings.TrimSpace(s) != "" {
				return s
			}
		}
		return ""
	}
	num := func(keys ...string) int {
		for _, k := range keys {
			switch v := m[k].(type) {
			case float64:
				return int(v)
			case string:
				if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
					return n
				}
			}
		}
		return 0
	}
	f := Finding{Path: strings.TrimSpace(str("path", "file", "new_path")), NewLine: num("new_line", "line"),
		OldLine: num("old_line"), Severity: strings.ToLower(strings.TrimSpace(str("severity"))),
		Text: strings.TrimSpace(str("text", "message", "comment")), Suggestion: str("suggestion")}
	f.Path = strings.TrimPrefix(f.Path, "./")
	return f, f.Text != ""
}
