// Package trigger decides, from a delivery's event alone (no I/O), whether it asks the bot for
// something and what: the mention rules, labels, review requests, pipelines and wiki pages, and
// which hooks can trigger at all (Rules.MayTrigger). The Request it makes is what is queued.
package trigger

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
)

// DefaultPhrase is the mention that triggers when Rules.Phrase is empty.
const DefaultPhrase = "@claude"

// Rules are what Match needs besides the event: the phrase and who the bot is.
type Rules struct {
	Phrase       string // default DefaultPhrase
	BotID        int64  // 0 while unknown: assignment and review requests cannot match then
	BotUsername  string // without "@"; "@BotUsername" also triggers
	AutoReview   bool   // AUTO_REVIEW: review MRs when opened, marked ready or pushed to
	PipelineFix  bool   // PIPELINE_FIX: fix failed pipelines on the bot's branches
	BranchPrefix string // BRANCH_PREFIX: how the bot's branches are named
	Wiki         bool   // WIKI_ENABLED: edit wiki pages that ask for it
	LabelTrigger string // LABEL_TRIGGER: adding this label to an issue or MR asks; empty: off
}

// ErrIgnored is matched (errors.Is) by every error Match returns.
var ErrIgnored = errors.New("ignored")

// Ignored says why an event does not trigger, in words an operator reads in the log and GitLab
// shows in the delivery's response.
type Ignored struct {
	Reason string
}

func (e *Ignored) Error() string { return "ignored: " + e.Reason }

// Is makes errors.Is(err, ErrIgnored) true.
func (e *Ignored) Is(target error) bool { return target == ErrIgnored }

func ignore(format string, args ...any) (Request, error) {
	return Request{}, &Ignored{Reason: fmt.Sprintf(format, args...)}
}

// Match decides whether an event asks the bot for something. It is pure: same event and rules,
// same answer. The request it returns has no EventUUID or ReceivedAt; the caller knows them.
func Match(ev event.Event, rules Rules) (Request, error) {
	switch ev.Kind {
	case event.KindNote:
		return matchNote(ev, rules)
	case event.KindIssue, event.KindMergeRequest:
		return matchIssuable(ev, rules)
	case event.KindPipeline:
		return matchPipeline(ev, rules)
	case event.KindWikiPage:
		return matchWikiPage(ev, rules)
	}
	return ignore("%s events do not trigger", kindName(ev))
}

// MayTrigger reports whether events of kind k can trigger under these rules: notes, issues and
// merge requests always, pipelines with PipelineFix, wiki pages with Wiki. Match decides on one
// event; this is what the webhook asks before it decodes any, so that the flood of push and
// pipeline events is answered from its header.
func (r Rules) MayTrigger(k event.Kind) bool {
	switch k {
	case event.KindNote, event.KindIssue, event.KindMergeRequest:
		return true
	case event.KindPipeline:
		return r.PipelineFix
	case event.KindWikiPage:
		return r.Wiki
	}
	return false
}

func kindName(ev event.Event) string {
	if ev.HookName != "" {
		return ev.HookName
	}
	return string(ev.Kind)
}

// names are the words that address the bot.
func (r Rules) names() []string {
	phrase := r.Phrase
	if phrase == "" {
		phrase = DefaultPhrase
	}
	names := []string{phrase}
	if u := strings.TrimPrefix(r.BotUsername, "@"); u != "" {
		names = append(names, "@"+u)
	}
	return names
}

// isBot reports whether u is the bot: its own notes and edits must never trigger it again.
func (r Rules) isBot(u event.User) bool {
	username := strings.TrimPrefix(r.BotUsername, "@")
	return (r.BotID != 0 && u.ID == r.BotID) ||
		(username != "" && strings.EqualFold(u.Username, username))
}

func (r Rules) isBotID(id int64) bool {
	return r.BotID != 0 && id == r.BotID
}

func matchNote(ev event.Event, rules Rules) (Request, error) {
	n := ev.Note
	switch {
	case n == nil:
		return ignore("note event without a note")
	case n.System:
		return ignore("system note")
	case rules.isBot(ev.Actor):
		return ignore("the bot's own note")
	case n.Action == "update":
		return ignore("note edited (action update): only new notes trigger, so an edit never runs a request twice")
	case !knownThread(ev.Thread.Type):
		return ignore("note on %q", ev.Thread.Type)
	case !Mentions(n.Body, rules.names()...):
		return ignore("note does not mention %s", strings.Join(rules.names(), " or "))
	}
	task := TaskAnswer
	switch {
	case IsStopRequest(n.Body):
		task = TaskStop
	case ev.Thread.Type == event.ThreadMergeRequest && IsReviewRequest(n.Body):
		task = TaskReview
	}
	return Request{
		Reason:       ReasonMention,
		Task:         task,
		Project:      ev.Project,
		Thread:       ev.Thread,
		NoteID:       n.ID,
		DiscussionID: n.DiscussionID,
		Author:       ev.Actor,
		Text:         n.Body,
		URL:          n.URL,
		Confidential: ev.Confidential,
	}, nil
}

func knownThread(t event.ThreadType) bool {
	switch t {
	case event.ThreadIssue, event.ThreadMergeRequest, event.ThreadCommit, event.ThreadSnippet:
		return true
	}
	return false
}

func matchIssuable(ev event.Event, rules Rules) (Request, error) {
	if rules.isBot(ev.Actor) {
		return ignore("%s %s by the bot itself", ev.Kind, ev.Action)
	}
	var reason Reason
	var why string
	switch ev.Action {
	case "open":
		reason, why = openReason(ev, rules)
	case "update":
		reason, why = updateReason(ev, rules)
	default:
		return ignore("%s action %q does not trigger", ev.Kind, ev.Action)
	}
	if reason == "" {
		return ignore("%s", why)
	}
	var label string
	if reason == ReasonLabeled {
		label = rules.LabelTrigger
	}
	return Request{
		Label:        label,
		Reason:       reason,
		Task:         issuableTask(ev, reason),
		Project:      ev.Project,
		Thread:       ev.Thread,
		Author:       ev.Actor,
		Text:         issuableText(ev.Thread),
		URL:          ev.Thread.URL,
		Confidential: ev.Confidential,
	}, nil
}

// openReason: opened with the phrase, or opened already assigned to the bot or asking it for a
// review (GitLab sends no separate assignment event then).
func openReason(ev event.Event, rules Rules) (Reason, string) {
	t := ev.Thread
	switch {
	case rules.isBotID(t.AuthorID):
		return "", "opened by the bot itself"
	case Mentions(t.Title, rules.names()...) || Mentions(t.Description, rules.names()...):
		return ReasonOpened, ""
	case slices.ContainsFunc(t.AssigneeIDs, rules.isBotID):
		return ReasonAssigned, ""
	case ev.Kind == event.KindMergeRequest && slices.ContainsFunc(t.ReviewerIDs, rules.isBotID):
		return ReasonReviewRequested, ""
	case rules.hasLabel(t.Labels):
		return ReasonLabeled, ""
	case ev.Kind == event.KindMergeRequest && rules.AutoReview && !t.Draft:
		return ReasonAutoReview, ""
	}
	return "", fmt.Sprintf("opened without a mention of %s", strings.Join(rules.names(), " or "))
}

// updateReason: only what this update newly did counts, or every later edit of a description
// that mentions the bot would run the request again.
func updateReason(ev event.Event, rules Rules) (Reason, string) {
	c := ev.Changes
	switch {
	case newlyMentions(c.Title, rules) || newlyMentions(c.Description, rules):
		return ReasonEdited, ""
	case newlyHas(c.AssigneeIDs, rules):
		return ReasonAssigned, ""
	case ev.Kind == event.KindMergeRequest && newlyHas(c.ReviewerIDs, rules):
		return ReasonReviewRequested, ""
	case c.Labels != nil && rules.hasLabel(c.Labels.Current) && !rules.hasLabel(c.Labels.Previous):
		return ReasonLabeled, "" // the label newly added; the bot removes it when done
	case ev.Kind == event.KindMergeRequest && rules.AutoReview && !ev.Thread.Draft &&
		(ev.Thread.OldRev != "" || c.Draft != nil && c.Draft.Previous && !c.Draft.Current):
		return ReasonAutoReview, "" // new commits, or marked ready; not a title or label edit
	}
	return "", "update adds no mention, assignment, review request or trigger label for the bot"
}

// issuableTask: on a merge request, being opened with the phrase, asked for a review or
// reviewed automatically means a review; an edit that adds the phrase is one if it asks for it.
func issuableTask(ev event.Event, reason Reason) Task {
	if ev.Kind != event.KindMergeRequest {
		return TaskAnswer
	}
	switch reason {
	case ReasonOpened, ReasonReviewRequested, ReasonAutoReview:
		return TaskReview
	case ReasonLabeled:
		if IsReviewRequest(ev.Thread.Title + "\n" + ev.Thread.Description) {
			return TaskReview
		}
	case ReasonEdited:
		c := ev.Changes
		for _, ch := range []*event.Change[string]{c.Title, c.Description} {
			if ch != nil && IsReviewRequest(ch.Current) {
				return TaskReview
			}
		}
	}
	return TaskAnswer
}

func newlyMentions(c *event.Change[string], rules Rules) bool {
	return c != nil && Mentions(c.Current, rules.names()...) && !Mentions(c.Previous, rules.names()...)
}

func newlyHas(c *event.Change[[]int64], rules Rules) bool {
	return c != nil && slices.ContainsFunc(c.Current, rules.isBotID) &&
		!slices.ContainsFunc(c.Previous, rules.isBotID)
}

// issuableText is what was asked when an issue or MR triggers: its title and description.
func issuableText(t event.Thread) string {
	if t.Description == "" {
		return t.Title
	}
	return t.Title + "\n\n" + t.Description
}

// ObjectKey is the dedupe key of the object that triggered: a note, or one state of an issue or
// MR. Two deliveries of the same note (project and group hook, a resend) share it. It is empty
// for events that never trigger.
func ObjectKey(ev event.Event) string {
	switch {
	case ev.Kind == event.KindPipeline && ev.Pipeline != nil:
		// One fix per failing pipeline tree: a child pipeline's hook and its parent's share a key.
		return fmt.Sprintf("pipeline:%d:%d", ev.Project.ID, ev.Pipeline.RootID())
	case ev.Kind == event.KindWikiPage && ev.WikiPage != nil:
		return wikiKey(ev)
	case ev.Kind == event.KindNote && ev.Note != nil:
		return fmt.Sprintf("note:%d:%d", ev.Project.ID, ev.Note.ID)
	case ev.Kind == event.KindMergeRequest && ev.Thread.OldRev != "":
		// A push: updated_at has whole seconds, and a push may follow another update within one.
		return fmt.Sprintf("%s:%d:%d:%s:%s:%s", ev.Kind, ev.Project.ID, ev.Thread.IID, ev.Action, ev.Thread.UpdatedAt, ev.Thread.HeadSHA)
	case (ev.Kind == event.KindIssue || ev.Kind == event.KindMergeRequest) && ev.Action == "update" && ev.Changes.Labels != nil:
		// A label change: updated_at has whole seconds, and a label may be taken off and put back
		// within one; the labels it leaves tell the updates apart.
		return fmt.Sprintf("%s:%d:%d:%s:%s:labels=%s", ev.Kind, ev.Project.ID, ev.Thread.IID, ev.Action, ev.Thread.UpdatedAt,
			strings.Join(ev.Changes.Labels.Current, ","))
	case ev.Kind == event.KindIssue || ev.Kind == event.KindMergeRequest:
		return fmt.Sprintf("%s:%d:%d:%s:%s", ev.Kind, ev.Project.ID, ev.Thread.IID, ev.Action, ev.Thread.UpdatedAt)
	}
	return ""
}

// hasLabel says whether labels hold the trigger label (GitLab treats label titles without case).
func (r Rules) hasLabel(labels []string) bool {
	return r.LabelTrigger != "" && slices.ContainsFunc(labels, func(l string) bool { return strings.EqualFold(l, r.LabelTrigger) })
}
