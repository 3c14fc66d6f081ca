package main

import (
	"net/http"
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// WIKI_ENABLED through the binary with GitLab's wiki page payload: a page whose author asks
// @claude for something is edited in the wiki's git repository, the request line is gone, and
// the commit, by the bot, names what was done and who asked; the same delivery again is a
// duplicate, and the wiki event of the bot's own edit is ignored without a new job.
func TestWikiEditThroughTheBinary(t *testing.T) {
	w := newWorld(t, "WIKI_ENABLED=true")
	w.g.EnableWikiPageEvents(w.proj.ID)
	page := "# Home\n\nWelcome to the demo.\n\n" +
		`@claude please add a table of contents FAKE_CLAUDE edit home.md "# Home\n" "# Home\n\n## Contents\n\n- [Usage](#usage)\n"` +
		"\n\n## Usage\n\nRun it.\n"
	w.g.AddWikiPage(w.proj.ID, "home", page)
	_, _, before := w.g.WikiPage(w.proj.ID, "home")

	ev, body := w.g.WikiPageEvent(w.proj.ID, "home", w.alice.ID, "create")
	w.deliver(ev, body, http.StatusAccepted)
	w.waitLog("job: wiki page edited")
	content, author, message := w.g.WikiPage(w.proj.ID, "home")
	want := "# Home\n\n## Contents\n\n- [Usage](#usage)\n\nWelcome to the demo.\n\n## Usage\n\nRun it.\n"
	if content != want {
		t.Fatalf("page after the edit:\n%q\nwant\n%q\n%s", content, want, w.svc.logs)
	}
	if author != "Claude" || message == before || !strings.HasPrefix(message, "Claude: ") ||
		!strings.Contains(strings.SplitN(message, "\n", 2)[0], "(requested by @alice)") ||
		!strings.Contains(message, "Request: @claude please add a table of contents") {
		t.Fatalf("last commit of the wiki: author %q, message:\n%s", author, message)
	}
	w.deliver(ev, body, http.StatusOK) // the same delivery again: a duplicate

	// GitLab reports the bot's push as a wiki page event by the bot: it must not run again.
	ev, body = w.g.WikiPageEvent(w.proj.ID, "home", w.bot.ID, "update")
	w.deliver(ev, body, http.StatusOK)
	w.waitLog("wiki page edited by the bot itself")
	if got := strings.Count(w.svc.logs.String(), "job: wiki page edited"); got != 1 {
		t.Fatalf("%d wiki edits, want 1\n%s", got, w.svc.logs)
	}
	if n := len(w.botNotes(fakegitlab.ThreadIssue, "1")); n != 0 {
		t.Fatalf("the bot posted %d notes for a wiki page", n)
	}
}
