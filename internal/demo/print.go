package demo

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
)

// Print writes a thread as GitLab would show it: the request, the 👀, the answer, and the
// branch and merge request the bot made for it.
func (w *World) Print(out io.Writer, t Thread) {
	ref, sigil := strconv.FormatInt(t.IID, 10), "#"
	kind := "Issue"
	if t.Kind == fakegitlab.ThreadMR {
		sigil, kind = "!", "Merge request"
	}
	fmt.Fprintf(out, "\n━━ %s %s%s: %s ━━\n", kind, sigil, ref, t.Title)
	awards := w.GitLab.Awards(w.Project.ID, t.Kind, ref)
	for _, n := range w.GitLab.Notes(w.Project.ID, t.Kind, ref) {
		if n.System {
			continue
		}
		fmt.Fprintf(out, "\n@%s:\n%s\n", n.Author, indent(marker.Strip(n.Body)))
		for _, a := range awards {
			if a.NoteID == n.ID {
				fmt.Fprintf(out, "    %s by @%s\n", emoji(a.Name), a.User)
			}
		}
	}
	w.printMRs(out, t)
}

func (w *World) printMRs(out io.Writer, t Thread) {
	prefix := fmt.Sprintf("claude/issue-%d-", t.IID)
	if t.Kind == fakegitlab.ThreadMR {
		prefix = fmt.Sprintf("claude/mr-%d-", t.IID)
	}
	for _, mr := range w.GitLab.MergeRequests(w.Project.ID) {
		if strings.HasPrefix(mr.SourceBranch, prefix) {
			fmt.Fprintf(out, "\n  ⎇ Merge request !%d %q by @%s: %s → %s (%s)\n", mr.IID, mr.Title, mr.Author, mr.SourceBranch, mr.TargetBranch, mr.State)
			if diff, err := w.GitLab.Git(w.Project.ID, "diff", "--stat", mr.TargetBranch+"..."+mr.SHA); err == nil {
				fmt.Fprintf(out, "%s\n", indent(diff))
			}
		}
	}
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

func emoji(name string) string {
	if name == "eyes" {
		return "👀"
	}
	return ":" + name + ":"
}
