package main

import (
	"net/http"
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// askArgs asks on a new issue for the CLI's arguments and returns the bot's notes: the answer
// (the arguments, one per line) and any note about the project's settings.
func (w *world) askArgs(t *testing.T, title string) (answer string, notes []fakegitlab.Note) {
	t.Helper()
	issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, title, "", false)
	ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID, "@claude which tools?\nFAKE_CLAUDE args")
	w.deliver(ev, body, http.StatusAccepted)
	notes = w.waitAnswers(fakegitlab.ThreadIssue, ref(issue.IID), 1)
	for _, n := range notes {
		if finished(n) {
			answer = n.Body
		}
	}
	return answer, notes
}

// tools are the values of --allowedTools in an answer made by `FAKE_CLAUDE args`.
func tools(answer string) []string {
	text, _, _ := strings.Cut(answer, "\n\n---\n")
	_, after, ok := strings.Cut(text, "--allowedTools\n")
	if !ok {
		return nil
	}
	var out []string
	for _, l := range strings.Split(after, "\n") {
		if strings.HasPrefix(l, "-") {
			break
		}
		out = append(out, l)
	}
	return out
}

func settingsNote(notes []fakegitlab.Note) string {
	for _, n := range notes {
		if strings.Contains(n.Body, ":settings -->") {
			return n.Body
		}
	}
	return ""
}

// A project's file on the default branch narrows the tools; one asking for a tool the operator
// did not allow is refused with its line; a broken file is told and the run goes on with the
// server's settings; a merge request's branch changing the file changes nothing.
func TestProjectSettingsFile(t *testing.T) {
	w := newWorld(t, "CLAUDE_ALLOWED_TOOLS=Read,Edit,Write", "CLAUDE_MAX_TURNS=20")
	operator := []string{"Read", "Edit", "Write"}

	w.g.CommitFiles(w.proj.ID, "main", "main", map[string]string{".claude-gitlab.yml": "# ours\nallowed_tools:\n  - Read\nmax_turns: 7\n"})
	answer, notes := w.askArgs(t, "narrow")
	if got := tools(answer); strings.Join(got, ",") != "Read" || !strings.Contains(answer, "--max-turns\n7\n") {
		t.Fatalf("narrowed: tools %q\n%s", got, answer)
	}
	if n := settingsNote(notes); n != "" {
		t.Fatalf("a narrowing file needs no note:\n%s", n)
	}

	w.g.CommitFiles(w.proj.ID, "main", "main", map[string]string{".claude-gitlab.yml": "allowed_tools: [Read, Bash]\nmax_turns: 50\nuse_mr: true\n"})
	answer, notes = w.askArgs(t, "widen")
	if got := tools(answer); strings.Join(got, ",") != strings.Join(operator, ",") || !strings.Contains(answer, "--max-turns\n20\n") {
		t.Fatalf("a widening file must leave the operator's settings: tools %q\n%s", got, answer)
	}
	note := settingsNote(notes)
	for _, want := range []string{"line 1, `allowed_tools`: `Bash` is not in the server's CLAUDE_ALLOWED_TOOLS", "line 2, `max_turns`: 50 is more than the server allows"} {
		if !strings.Contains(note, want) {
			t.Fatalf("refusal note lacks %q:\n%s", want, note)
		}
	}

	w.g.CommitFiles(w.proj.ID, "main", "main", map[string]string{".claude-gitlab.yml": "allowed_tools: [Read]\nmax_turns: lots\n"})
	answer, notes = w.askArgs(t, "broken")
	if got := tools(answer); strings.Join(got, ",") != strings.Join(operator, ",") {
		t.Fatalf("a broken file must leave the defaults: tools %q\n%s", got, answer)
	}
	if note := settingsNote(notes); !strings.Contains(note, "line 2: `max_turns` must be a whole number") || !strings.Contains(note, "runs with the server's settings") {
		t.Fatalf("invalid-file note:\n%s", note)
	}

	// The default branch narrows to Read; a contributor's MR branch says Edit, Write as well: the
	// job on the MR still gets Read only.
	w.g.CommitFiles(w.proj.ID, "main", "main", map[string]string{".claude-gitlab.yml": "allowed_tools: [Read]\n"})
	mr := w.mrWithChange(t, "widen-tools", ".claude-gitlab.yml", "allowed_tools: [Read, Edit, Write]\n")
	ev, body := w.g.MRNoteEvent(w.proj.ID, mr.IID, w.alice.ID, "@claude which tools?\nFAKE_CLAUDE args")
	w.deliver(ev, body, http.StatusAccepted)
	for _, n := range w.waitAnswers(fakegitlab.ThreadMR, ref(mr.IID), 1) {
		if finished(n) && strings.Join(tools(n.Body), ",") != "Read" {
			t.Fatalf("the MR's branch changed the settings: tools %q\n%s", tools(n.Body), n.Body)
		}
	}
}

// forbidden_paths: the change is refused before anything is pushed, and the reply says why.
func TestForbiddenPathIsNotPushed(t *testing.T) {
	w := newWorld(t)
	w.g.CommitFiles(w.proj.ID, "main", "main", map[string]string{".gitlab/claude.yml": "forbidden_paths:\n  - secrets/\n"})
	before := len(w.g.Branches(w.proj.ID))
	issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Rotate the key", "", false)
	ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID,
		"@claude rotate it\nFAKE_CLAUDE write README.md \"ok\\n\"\nFAKE_CLAUDE write app/secrets/key.pem \"new key\\n\"")
	w.deliver(ev, body, http.StatusAccepted)
	notes := w.waitAnswers(fakegitlab.ThreadIssue, ref(issue.IID), 1)
	reply := notes[len(notes)-1].Body
	if !strings.Contains(reply, "app/secrets/key.pem") || !strings.Contains(reply, "forbidden_paths") || !strings.Contains(reply, "nothing was pushed") {
		t.Fatalf("reply:\n%s", reply)
	}
	if after := len(w.g.Branches(w.proj.ID)); after != before || len(w.g.MergeRequests(w.proj.ID)) != 0 {
		t.Fatalf("something was pushed: %d branches (was %d), %d MRs", after, before, len(w.g.MergeRequests(w.proj.ID)))
	}
}
