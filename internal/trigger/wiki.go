package trigger

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
)

// ReasonWikiPage: WIKI_ENABLED, a wiki page created or updated with a line mentioning the bot.
const ReasonWikiPage Reason = "wiki_page"

// WikiRef is the wiki page a request is about.
type WikiRef struct {
	Slug          string `json:"slug"`
	Title         string `json:"title"`
	Format        string `json:"format,omitempty"`
	DefaultBranch string `json:"default_branch,omitempty"`
}

// matchWikiPage: with WIKI_ENABLED, a page created or updated by someone other than the bot whose
// content mentions the bot. The wiki payload's user has no id: the username tells the bot apart.
func matchWikiPage(ev event.Event, rules Rules) (Request, error) {
	w := ev.WikiPage
	switch {
	case !rules.Wiki:
		return ignore("%s events do not trigger: wiki editing is off (WIKI_ENABLED)", kindName(ev))
	case w == nil:
		return ignore("wiki page event without a page")
	case rules.isBot(ev.Actor):
		return ignore("wiki page edited by the bot itself")
	case ev.Action != "create" && ev.Action != "update":
		return ignore("wiki page action %q does not trigger", ev.Action)
	case w.Slug == "":
		return ignore("wiki page without a slug")
	}
	asked := RequestLines(w.Content, rules)
	if asked == "" {
		return ignore("wiki page does not mention %s", strings.Join(rules.names(), " or "))
	}
	return Request{
		Reason:  ReasonWikiPage,
		Task:    TaskWikiEdit,
		Project: ev.Project,
		Author:  ev.Actor,
		Text:    asked,
		URL:     w.URL,
		Wiki:    &WikiRef{Slug: w.Slug, Title: w.Title, Format: w.Format, DefaultBranch: w.DefaultBranch},
	}, nil
}

// wikiKey dedupes one state of a page: the same content delivered twice runs once, while a later
// edit with a new request runs again.
func wikiKey(ev event.Event) string {
	sum := sha256.Sum256([]byte(ev.WikiPage.Content))
	return fmt.Sprintf("wiki:%d:%s:%s:%s", ev.Project.ID, ev.WikiPage.Slug, ev.Action, hex.EncodeToString(sum[:8]))
}

// RequestLines are the lines of a page that address the bot (outside code and quotes), joined by
// newlines; "" when there is none.
func RequestLines(content string, rules Rules) string {
	var asked []string
	walkProse(content, func(line string, prose bool) bool {
		if prose && Mentions(line, rules.names()...) {
			asked = append(asked, strings.TrimSpace(line))
		}
		return true
	})
	return strings.Join(asked, "\n")
}

// RemoveRequests drops the lines of a page that address the bot, once its request is done, and
// the blank line a removed paragraph leaves behind; lines inside code blocks and quotes stay, as
// they never asked anything.
func RemoveRequests(content string, rules Rules) string {
	var kept []string
	afterRemoved := false
	walkProse(content, func(line string, prose bool) bool {
		blank := strings.TrimSpace(line) == ""
		switch {
		case prose && Mentions(line, rules.names()...):
			afterRemoved = len(kept) == 0 || strings.TrimSpace(kept[len(kept)-1]) == ""
		case blank && afterRemoved:
			afterRemoved = false
		default:
			kept = append(kept, line)
			afterRemoved = false
		}
		return true
	})
	return strings.Join(kept, "\n")
}

// walkProse calls fn for each line, telling whether it is prose (proseLines' rules: not in a
// fenced block, not a > quote).
func walkProse(text string, fn func(line string, prose bool) bool) {
	fence := ""
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		prose := false
		switch {
		case fence != "":
			if closesFence(trimmed, fence) {
				fence = ""
			}
		case opensFence(trimmed) != "":
			fence = opensFence(trimmed)
		case strings.HasPrefix(trimmed, ">"):
			if strings.HasPrefix(trimmed, ">>>") {
				fence = ">>>"
			}
		default:
			prose = true
		}
		if !fn(line, prose) {
			return
		}
	}
}
