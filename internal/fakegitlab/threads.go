package fakegitlab

import (
	"net/http"
	"strconv"
	"strings"
)

// threadOf returns the thread of a noteable, creating it on first use; nil (after answering
// 404) when the issue, MR, snippet or commit does not exist or is hidden from the caller.
func (g *GitLab) threadOf(c *call, kind ThreadType, ref string) *thread {
	key, noteableID, ok := g.resolveNoteable(c, kind, ref)
	if !ok {
		return nil
	}
	return g.threadAt(c.p, key, noteableID)
}

func (g *GitLab) threadAt(p *project, key threadKey, noteableID int64) *thread {
	th := p.threads[key]
	if th == nil {
		th = &thread{key: key, noteableID: noteableID}
		p.threads[key] = th
	}
	return th
}

func (g *GitLab) resolveNoteable(c *call, kind ThreadType, ref string) (threadKey, int64, bool) {
	n, _ := strconv.ParseInt(ref, 10, 64)
	switch kind {
	case ThreadIssue:
		if is := g.visibleIssue(c, n); is != nil {
			return threadKey{kind, ref}, is.id, true
		}
		notFound(c.w, "Issue")
	case ThreadMR:
		if mr := c.p.mrs[n]; mr != nil {
			return threadKey{kind, ref}, mr.id, true
		}
		writeMessage(c.w, http.StatusNotFound, "404 Not found")
	case ThreadSnippet:
		if s := c.p.snippets[n]; s != nil {
			return threadKey{kind, ref}, s.id, true
		}
		notFound(c.w, "Snippet")
	case ThreadCommit:
		if sha := g.commitSHA(c.p, ref); sha != "" {
			return threadKey{kind, sha}, 0, true
		}
		notFound(c.w, "Commit")
	}
	return threadKey{}, 0, false
}

// commitSHA resolves a commit reference in the project's repository, "" when unknown.
func (g *GitLab) commitSHA(p *project, ref string) string {
	out, err := g.git.Git(p.Path, "rev-parse", "--verify", "--quiet", ref+"^{commit}")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(out)
}

// findNote locates a note in a thread with its discussion.
func (th *thread) findNote(id int64) (*discussion, *note) {
	for _, d := range th.discussions {
		for _, n := range d.notes {
			if n.id == id {
				return d, n
			}
		}
	}
	return nil, nil
}

func (th *thread) findDiscussion(id string) *discussion {
	for _, d := range th.discussions {
		if d.id == id {
			return d
		}
	}
	return nil
}

// allNotes lists a thread's notes in creation order.
func (th *thread) allNotes() []*note {
	var out []*note
	for _, d := range th.discussions {
		out = append(out, d.notes...)
	}
	sortNotes(out, "created_at", "asc")
	return out
}

func (g *GitLab) userNoteCount(p *project, key threadKey) int {
	th := p.threads[key]
	if th == nil {
		return 0
	}
	n := 0
	for _, nt := range th.allNotes() {
		if !nt.system {
			n++
		}
	}
	return n
}

// noteableType is GitLab's class name for a thread type.
func noteableType(kind ThreadType) string {
	switch kind {
	case ThreadIssue:
		return "Issue"
	case ThreadMR:
		return "MergeRequest"
	case ThreadSnippet:
		return "Snippet"
	}
	return "Commit"
}
