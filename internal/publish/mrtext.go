package publish

import (
	"fmt"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// MRText is the title and description of the merge request of a change asked for in r, whose
// agent said text. A confidential thread's text never reaches the merge request: only its
// reference.
func MRText(r trigger.Request, text string) (title, description string) {
	ref := ThreadMention(r)
	requested := fmt.Sprintf("Requested by @%s in %s.", r.Author.Username, ref)
	if Confidential(r) {
		return "Changes requested in " + ref, requested + "\n\nRelates to " + ref + "."
	}
	title = Subject(text)
	if title == "" {
		title = "Changes requested in " + ref
	}
	body := strings.TrimSpace(text)
	if len(body) > 20_000 {
		body = body[:20_000] + "\n\n…"
	}
	description = body + "\n\n---\n" + requested
	if r.Thread.Type == event.ThreadIssue {
		description += "\n\nCloses " + ref + "."
	}
	return title, description
}

// ThreadMention names the thread in an MR description or a commit message, where GitLab links
// "#12" and "!7"; a commit or snippet thread has no such reference, so its address stands in.
func ThreadMention(r trigger.Request) string {
	switch r.Thread.Type {
	case event.ThreadMergeRequest, event.ThreadIssue:
		return r.Thread.Ref()
	}
	if r.URL != "" {
		return r.URL
	}
	return "a comment"
}

// CommitMessage is the agent's summary and who asked where; confidential threads get a neutral
// one.
func CommitMessage(r trigger.Request, text string) string {
	requested := fmt.Sprintf("Requested by @%s in %s", r.Author.Username, r.URL)
	if r.URL == "" {
		requested = fmt.Sprintf("Requested by @%s in %s", r.Author.Username, ThreadMention(r))
	}
	if Confidential(r) {
		return "Changes requested in a confidential issue\n\n" + requested + "\n"
	}
	s := Subject(text)
	if s == "" {
		s = "Changes requested in " + ThreadMention(r)
	}
	return s + "\n\n" + requested + "\n"
}
