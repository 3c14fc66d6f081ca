// Package webhooktest gives tests the real GitLab payloads kept in shared/gitlab-payloads, and a
// way to change one field of them, so that test cases derive from real shapes instead of payloads
// written from memory.
package webhooktest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Headers maps each payload file to the X-Gitlab-Event header GitLab sends with it.
var Headers = map[string]string{
	"issue_open.json":         "Issue Hook",
	"confidential_issue.json": "Confidential Issue Hook",
	"mr_open.json":            "Merge Request Hook",
	"mr_update.json":          "Merge Request Hook",
	"note_issue.json":         "Note Hook",
	"note_mr.json":            "Note Hook",
	"note_commit.json":        "Note Hook",
	"note_snippet.json":       "Note Hook",
	"confidential_note.json":  "Confidential Note Hook",
	"pipeline_success.json":   "Pipeline Hook",
	"wiki_page.json":          "Wiki Page Hook",
	"push.json":               "Push Hook",
}

// DirEnv overrides where the payloads are looked for.
const DirEnv = "GITLAB_PAYLOADS_DIR"

// Dir finds shared/gitlab-payloads in the working directory or one of its parents (the shared
// folder sits next to the repository). Without it the test is skipped, except under CI=true,
// where a missing folder is a failure: a green run must not hide that nothing was tested.
func Dir(t testing.TB) string {
	t.Helper()
	if dir, ok := find(); ok {
		return dir
	}
	msg := "shared/gitlab-payloads not found in any parent directory (set " + DirEnv + ")"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

func find() (string, bool) {
	if dir := os.Getenv(DirEnv); dir != "" {
		return dir, isDir(dir)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		candidate := filepath.Join(dir, "shared", "gitlab-payloads")
		if isDir(candidate) {
			return candidate, true
		}
		if filepath.Dir(dir) == dir {
			return "", false
		}
	}
}

// Files lists the payload files that have a known header, sorted.
func Files(t testing.TB) []string {
	t.Helper()
	names := make([]string, 0, len(Headers))
	for name := range Headers {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Raw returns a payload file's bytes.
func Raw(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Dir(t), name))
	if err != nil {
		t.Fatalf("read payload: %v", err)
	}
	return b
}

// Payload is a decoded payload to change before it is encoded again.
type Payload map[string]any

// Load decodes a payload file. Numbers stay json.Number so ids survive the round trip.
func Load(t testing.TB, name string) Payload {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(Raw(t, name)))
	dec.UseNumber()
	var p Payload
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("decode payload %s: %v", name, err)
	}
	return p
}

// Set sets the value at a dotted path such as "object_attributes.note", making objects on the
// way. It returns the payload to allow chaining.
func (p Payload) Set(path string, value any) Payload {
	m := map[string]any(p)
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = value
	return p
}

// Delete removes the value at a dotted path, if present.
func (p Payload) Delete(path string) Payload {
	m := map[string]any(p)
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			return p
		}
		m = next
	}
	delete(m, keys[len(keys)-1])
	return p
}

// Bytes encodes the payload.
func (p Payload) Bytes(t testing.TB) []byte {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatalf("encode payload: %v", err)
	}
	return b
}

// User is a user object as webhooks list them in assignees and reviewers.
func User(id int64, username string) map[string]any {
	return map[string]any{"id": id, "name": username, "username": username}
}

func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}
