package fakeanthropic

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

const toolRequest = `{"model":"claude-test","max_tokens":100,"stream":%s,
 "system":[{"type":"text","text":"You are Claude Code.\nPrimary working directory: /work/tree\nIs a git repo: true"}],
 "messages":[{"role":"system","content":"extra system text"},{"role":"user","content":[{"type":"text","text":"write it"}]}],
 "tools":[{"name":"Write"}]}`

func post(t *testing.T, s *Server, body string) *http.Response {
	t.Helper()
	resp, err := http.Post(s.URL+"/v1/messages?beta=true", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// events reads an SSE body into (event, data) pairs.
func events(t *testing.T, resp *http.Response) (names []string, data []map[string]any) {
	t.Helper()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if name, ok := strings.CutPrefix(line, "event: "); ok {
			names = append(names, name)
		}
		if raw, ok := strings.CutPrefix(line, "data: "); ok {
			var d map[string]any
			if err := json.Unmarshal([]byte(raw), &d); err != nil {
				t.Fatalf("data %s: %v", raw, err)
			}
			data = append(data, d)
		}
	}
	return names, data
}

func TestStreamToolUse(t *testing.T) {
	s := Start(WriteThenAnswer("a.txt", "hi", "done"))
	defer s.Close()
	resp := post(t, s, strings.Replace(toolRequest, "%s", "true", 1))
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("status %d, content type %q", resp.StatusCode, ct)
	}
	names, data := events(t, resp)
	want := "message_start,content_block_start,content_block_delta,content_block_stop,message_delta,message_stop"
	if got := strings.Join(names, ","); got != want {
		t.Fatalf("events = %s\nwant %s", got, want)
	}
	delta := data[2]["delta"].(map[string]any)
	var input map[string]string
	if err := json.Unmarshal([]byte(delta["partial_json"].(string)), &input); err != nil {
		t.Fatal(err)
	}
	if delta["type"] != "input_json_delta" || input["file_path"] != "/work/tree/a.txt" || input["content"] != "hi" {
		t.Errorf("delta = %v", delta)
	}
	if stop := data[4]["delta"].(map[string]any)["stop_reason"]; stop != "tool_use" {
		t.Errorf("stop_reason = %v", stop)
	}
	if rq := s.Requests(); len(rq) != 1 || rq[0].Body.Model != "claude-test" {
		t.Errorf("recorded = %+v", rq)
	}
}

func TestNonStreamingFinalText(t *testing.T) {
	s := Start(WriteThenAnswer("a.txt", "hi", "all done"))
	defer s.Close()
	body := strings.Replace(toolRequest, "%s", "false", 1)
	body = strings.Replace(body, `"text":"write it"}]}`,
		`"text":"write it"}]},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"Write","input":{}}]},`+
			`{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}`, 1)
	resp := post(t, s, body)
	var msg struct {
		Content    []Block `json:"content"`
		StopReason string  `json:"stop_reason"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&msg); err != nil {
		t.Fatal(err)
	}
	if len(msg.Content) != 1 || msg.Content[0].Text != "all done" || msg.StopReason != "end_turn" {
		t.Errorf("message = %+v", msg)
	}
}

func TestSideRequestWithoutTools(t *testing.T) {
	s := Start(WriteThenAnswer("a.txt", "hi", "done"))
	defer s.Close()
	resp := post(t, s, `{"model":"m","stream":false,"messages":[{"role":"user","content":"title please"}]}`)
	var msg struct{ Content []Block }
	_ = json.NewDecoder(resp.Body).Decode(&msg)
	if len(msg.Content) != 1 || msg.Content[0].Type != "text" {
		t.Errorf("side request answer = %+v", msg)
	}
}

func TestErrorsAndUnknownPaths(t *testing.T) {
	s := Start(Fail(529, "overloaded"))
	defer s.Close()
	resp := post(t, s, strings.Replace(toolRequest, "%s", "true", 1))
	var e struct {
		Error struct{ Type, Message string }
	}
	_ = json.NewDecoder(resp.Body).Decode(&e)
	if resp.StatusCode != 529 || e.Error.Type != "overloaded_error" || e.Error.Message != "overloaded" {
		t.Errorf("status %d, error %+v", resp.StatusCode, e)
	}
	req, _ := http.NewRequest(http.MethodHead, s.URL+"/api/hello", nil)
	head, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	head.Body.Close()
	if head.StatusCode != http.StatusNotFound {
		t.Errorf("HEAD /api/hello = %d, want 404", head.StatusCode)
	}
}

func TestSystemTextIncludesSystemRoleMessages(t *testing.T) {
	var r MessagesRequest
	if err := json.Unmarshal([]byte(strings.Replace(toolRequest, "%s", "true", 1)), &r); err != nil {
		t.Fatal(err)
	}
	if got := r.SystemText(); !strings.Contains(got, "You are Claude Code.") || !strings.Contains(got, "extra system text") {
		t.Errorf("SystemText = %q", got)
	}
	if r.WorkingDir() != "/work/tree" || r.PromptText() != "write it" {
		t.Errorf("WorkingDir = %q, PromptText = %q", r.WorkingDir(), r.PromptText())
	}
}
