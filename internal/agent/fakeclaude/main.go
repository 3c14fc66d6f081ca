// Command fakeclaude stands in for the Claude Code CLI in tests. It prints stream-json shaped like
// the real CLI's (see internal/agent/testdata/real-*.jsonl) and is told what to do by directives
// in its prompt, because the environment Run gives it is minimal and must stay so.
//
// Every prompt line containing "FAKE_CLAUDE" holds one directive: the words after it. Directives
// run in order; the ones that end a run (crash, hang, ...) stop there. Arguments are words or Go
// quoted strings ("a b\n"); the last argument takes the rest of the line, unquoted if it is one
// quoted string.
//
//	answer TEXT          the final answer (default: "fake answer: " + the prompt's first line)
//	write PATH TEXT      a Write tool call: writes TEXT to PATH (relative to the cwd)
//	edit PATH OLD NEW    an Edit tool call: replaces OLD by NEW in PATH
//	deny TOOL INPUT      a tool call refused by permissions (still a success, exit 0)
//	say TEXT             an assistant text line (the run goes on)
//	stderr TEXT          writes TEXT to stderr
//	garbage N            prints N lines that are not JSON, then goes on
//	huge MB              prints MB MiB of assistant text in 64 KiB lines
//	hugeline MB          prints one assistant line of MB MiB
//	hugeanswer MB        the final answer is MB MiB of text (one result line that size)
//	sleep SECONDS        waits, then goes on (a long run, without the end hang makes)
//	env                  answers with its environment, NAME=VALUE per line, sorted
//	args                 answers with its arguments, one per line
//	prompt               answers with the whole prompt
//	exit CODE            exits with CODE after the result line
//	linger               prints the result line, then never exits
//	crash [CODE]         exits with CODE (default 2) without a result line, an error on stderr
//	hang [ignore-term]   starts a child `sleep`, prints FAKE_CHILD_PID=<pid>, sleeps forever
//	malformed            prints lines that are not JSON and exits 0 without a result
//	max-turns            ends with subtype error_max_turns, exit 1
//	budget               ends with subtype error_max_budget_usd, exit 1
//	api-error [STATUS]   one api_retry, then an API error result (subtype success!), exit 1
//	not-logged-in        ends with "Not logged in · Please run /login", exit 1
//	during-execution     ends with subtype error_during_execution, exit 1
//
// Adversarial directives (attack, forkbomb, fill, eat, spin) are in attack.go, the network and
// credential ones (dial, findsecret) in egress.go.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	opts, err := parseArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
	prompt, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error: read prompt:", err)
		os.Exit(1)
	}
	s := newSession(opts, string(prompt))
	s.init()
	for _, d := range directives(string(prompt)) {
		if done := s.do(d); done {
			return
		}
	}
	s.finish()
}

type options struct {
	model, permissionMode string
	args                  []string
}

// parseArgs checks the flags the way the real CLI does where Run depends on it.
func parseArgs(args []string) (options, error) {
	o := options{model: "claude-fake-1", permissionMode: "default", args: args}
	var print, verbose, streamJSON bool
	for i := 0; i < len(args); i++ {
		next := func() string {
			if i+1 < len(args) {
				i++
				return args[i]
			}
			return ""
		}
		switch args[i] {
		case "-p", "--print":
			print = true
		case "--verbose":
			verbose = true
		case "--output-format":
			streamJSON = next() == "stream-json"
		case "--model":
			o.model = next()
		case "--permission-mode":
			o.permissionMode = next()
		}
	}
	switch {
	case !print:
		return o, fmt.Errorf("fake claude only runs with -p")
	case streamJSON && !verbose:
		return o, fmt.Errorf("When using --print, --output-format=stream-json requires --verbose")
	}
	return o, nil
}

// directives are the text after FAKE_CLAUDE on each prompt line that has it.
func directives(prompt string) []directive {
	var out []directive
	for _, line := range strings.Split(prompt, "\n") {
		if _, rest, ok := strings.Cut(line, "FAKE_CLAUDE"); ok {
			if d, ok := parseDirective(strings.TrimLeft(rest, ":")); ok {
				out = append(out, d)
			}
		}
	}
	return out
}
