package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// do runs one directive; true means the run is over.
func (s *session) do(d directive) bool {
	switch d.name {
	case "answer":
		s.answer = d.args(1)[0]
	case "write":
		a := d.args(2)
		s.write(a[0], a[1])
	case "edit":
		a := d.args(3)
		s.edit(a[0], a[1], a[2])
	case "deny":
		a := d.args(2)
		s.deny(a[0], a[1])
	case "say":
		s.text(d.args(1)[0])
	case "stderr":
		fmt.Fprintln(os.Stderr, d.args(1)[0])
	case "garbage":
		for i := 0; i < d.num(1); i++ {
			s.out.WriteString("this is not json: debug output\n")
		}
		s.out.Flush()
	case "huge":
		s.huge(d.num(50), 64<<10)
	case "hugeanswer":
		s.answer = strings.Repeat("All work and no play makes Jack a dull boy.\n", d.num(50)<<20/44)
	case "sleep":
		time.Sleep(time.Duration(d.num(1)) * time.Second)
	case "hugeline":
		mb := d.num(50)
		s.huge(mb, mb<<20)
	case "env":
		env := os.Environ()
		sort.Strings(env)
		s.answer = strings.Join(env, "\n")
	case "args":
		s.answer = strings.Join(s.opts.args, "\n")
	case "prompt":
		s.answer = s.prompt
	case "attack":
		s.attack(d.args(1)[0])
	case "forkbomb":
		s.forkbomb(d.num(100))
	case "fill":
		a := d.args(2)
		s.fill(atoi(a[0], 64), atoi(a[1], 1))
	case "eat":
		s.eat(d.num(256))
	case "spin":
		s.spin(d.num(5))
	case "sh":
		s.sh(d.args(1)[0])
	case "dial":
		a := d.args(2)
		s.dial(a[0], a[1])
	case "findsecret":
		s.findSecret(d.args(1)[0])
	default:
		return s.end(d)
	}
	return false
}

// end runs the directives that finish a run.
func (s *session) end(d directive) bool {
	switch d.name {
	case "exit":
		s.finish()
		os.Exit(d.num(1))
	case "linger":
		s.finish()
		sleepForever()
	case "crash":
		s.text("Let me look at that.")
		fmt.Fprintln(os.Stderr, "fake claude: segmentation fault in the middle of the work (on purpose)")
		os.Exit(d.num(2))
	case "hang":
		s.hang(d.rest == "ignore-term")
	case "malformed":
		s.out.WriteString("Error: something went wrong\n{\"type\": broken json\n<html>502</html>\n")
		s.out.Flush()
		os.Exit(0)
	case "max-turns":
		s.result("error_max_turns", true, nil, map[string]any{"terminal_reason": "max_turns",
			"errors": []string{fmt.Sprintf("Reached maximum number of turns (%d)", s.turns)}})
		os.Exit(1)
	case "budget":
		s.result("error_max_budget_usd", true, nil, map[string]any{"terminal_reason": "budget_exhausted",
			"errors": []string{"Reached maximum budget ($0.0001)"}})
		os.Exit(1)
	case "api-error":
		s.apiError(d.num(500))
	case "not-logged-in":
		s.syntheticError("Not logged in · Please run /login", nil)
	case "during-execution":
		s.result("error_during_execution", true, nil, map[string]any{"errors": []string{"fake internal error"}})
		os.Exit(1)
	default:
		fmt.Fprintf(os.Stderr, "fake claude: unknown directive %q\n", d.name)
		os.Exit(3)
	}
	return true
}

// finish prints the final answer and the result line.
func (s *session) finish() {
	if s.answer == "" {
		first, _, _ := strings.Cut(strings.TrimSpace(s.prompt), "\n")
		s.answer = "fake answer: " + first
	}
	s.text(s.answer)
	s.result("success", false, &s.answer, nil)
}

func (s *session) write(path, content string) {
	abs := s.abs(path)
	id := s.toolUse("Write", map[string]any{"file_path": abs, "content": content})
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		s.toolResult(id, err.Error(), true, "Error: "+err.Error())
		return
	}
	if err := os.WriteFile(abs, []byte(content), 0o644); err != nil {
		s.toolResult(id, err.Error(), true, "Error: "+err.Error())
		return
	}
	s.toolResult(id, "File created successfully at: "+abs, false,
		map[string]any{"type": "create", "filePath": abs, "content": content})
}

func (s *session) edit(path, from, to string) {
	abs := s.abs(path)
	id := s.toolUse("Edit", map[string]any{"file_path": abs, "old_string": from, "new_string": to})
	data, err := os.ReadFile(abs)
	if err != nil || !strings.Contains(string(data), from) {
		msg := "String to replace not found in file."
		s.toolResult(id, msg, true, "Error: "+msg)
		return
	}
	updated := strings.Replace(string(data), from, to, 1)
	if err := os.WriteFile(abs, []byte(updated), 0o644); err != nil {
		s.toolResult(id, err.Error(), true, "Error: "+err.Error())
		return
	}
	s.toolResult(id, "The file "+abs+" has been updated successfully.", false,
		map[string]any{"filePath": abs, "oldString": from, "newString": to})
}

func (s *session) abs(path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(s.cwd, path)
}

// deny is what the real CLI prints when permissions refuse a tool: a permission_denied system
// line, an error tool_result, and an entry in the result's permission_denials.
func (s *session) deny(tool, command string) {
	if tool == "" {
		tool = "Bash"
	}
	input := map[string]any{"command": command, "description": "run it"}
	id := s.toolUse(tool, input)
	msg := fmt.Sprintf("Claude requested permissions to use %s, but you haven't granted it yet.", tool)
	s.emit(map[string]any{"type": "system", "subtype": "permission_denied", "tool_name": tool,
		"tool_use_id": id, "decision_reason_type": "mode", "message": msg})
	s.toolResult(id, msg, true, "Error: "+msg)
	s.denials = append(s.denials, map[string]any{"tool_name": tool, "tool_use_id": id, "tool_input": input})
}

// huge prints mb MiB of assistant text in lines of lineBytes.
func (s *session) huge(mb, lineBytes int) {
	total := mb << 20
	chunk := strings.Repeat("x", min(lineBytes, total))
	for sent := 0; sent < total; sent += len(chunk) {
		s.text(chunk)
	}
}

func (s *session) apiError(status int) {
	s.emit(map[string]any{"type": "system", "subtype": "api_retry", "attempt": 1, "max_retries": 1,
		"retry_delay_ms": 500, "error_status": status, "error": "server_error"})
	msg := fmt.Sprintf("API Error: %d fake failure. This is a server-side issue, usually temporary — try again in a moment.", status)
	s.syntheticError(msg, status)
}

// syntheticError ends like the real CLI on API and login errors: a "<synthetic>" assistant line,
// then a result that says success but is_error, and exit 1.
func (s *session) syntheticError(msg string, status any) {
	s.assistant(map[string]any{"type": "text", "text": msg}, "<synthetic>")
	s.result("success", true, &msg, map[string]any{"api_error_status": status, "terminal_reason": "api_error",
		"total_cost_usd": 0})
	os.Exit(1)
}

// hang starts a child in the same process group, says its pid, and never ends.
func (s *session) hang(ignoreTerm bool) {
	if ignoreTerm {
		signal.Ignore(syscall.SIGTERM)
	}
	child := exec.Command("sleep", "100000")
	if err := child.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "fake claude: start sleep:", err)
		os.Exit(2)
	}
	s.text(fmt.Sprintf("FAKE_CHILD_PID=%d", child.Process.Pid))
	sleepForever()
}

func sleepForever() {
	for {
		time.Sleep(time.Hour)
	}
}
