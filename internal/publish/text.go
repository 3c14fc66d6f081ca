package publish

import (
	"fmt"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
)

// MaxNoteChars keeps a note below GitLab's limit (1,000,000 characters) with room for the footer.
const MaxNoteChars = 990_000

// Footer is what the answer says about its run.
type Footer struct {
	JobID     int64
	JobURL    string
	Duration  time.Duration
	Turns     int
	CostUSD   float64
	Branch    string
	BranchURL string
	CommitSHA string
	CommitURL string
	MRURL     string
	MRIID     int64
	AutoMerge string // "", "set" (or "set: " and the rule that allowed it), or why it was not set
	Rule      string // the requester's right that allowed the push, one line
	Truncated bool
	Fallback  string // e.g. "the branch is protected, so the change is on a new branch with a merge request"
	Denials   []string
	HasPatch  bool   // nothing was pushed: the change is in the reply
	Patch     string // the change as `git diff` output ("" when too large to show)
	Session   string // how the thread's Claude session went: resumed, or fresh and why
}

// Answer is the final text of the progress note: Claude's answer and a footer. A text too long for
// one note is cut; AnswerParts splits it over several notes instead.
func Answer(text string, f Footer) string {
	return answerText(strings.TrimSpace(text), f)
}

func answerText(text string, f Footer) string {
	if text == "" {
		text = "_(Claude finished without a written answer.)_"
	}
	if len(text) > MaxNoteChars {
		text = text[:MaxNoteChars] + "\n\n…"
		f.Truncated = true
	}
	var b strings.Builder
	b.WriteString(text)
	b.WriteString("\n\n---\n")
	b.WriteString(changeLines(f))
	fmt.Fprintf(&b, "<sub>%s · %d turns · $%.4f · job %s</sub>\n", f.Duration.Round(time.Second), f.Turns, f.CostUSD, jobLink(f))
	b.WriteString(marker.Job(f.JobID))
	return b.String()
}

func changeLines(f Footer) string {
	var b strings.Builder
	if f.CommitSHA != "" {
		fmt.Fprintf(&b, "- Commit [`%s`](%s) on branch [`%s`](%s)\n", event.ShortSHA(f.CommitSHA), f.CommitURL, f.Branch, f.BranchURL)
	}
	if f.MRURL != "" {
		fmt.Fprintf(&b, "- Merge request [!%d](%s)\n", f.MRIID, f.MRURL)
	}
	switch {
	case f.AutoMerge == "set":
		b.WriteString("- Set to merge automatically when the pipeline succeeds\n")
	case strings.HasPrefix(f.AutoMerge, "set: "):
		fmt.Fprintf(&b, "- Set to merge automatically when the pipeline succeeds (%s)\n", strings.TrimPrefix(f.AutoMerge, "set: "))
	case f.AutoMerge != "":
		fmt.Fprintf(&b, "- Auto-merge was not set: %s\n", f.AutoMerge)
	}
	if f.Rule != "" {
		fmt.Fprintf(&b, "- Pushed because %s\n", f.Rule)
	}
	if f.Fallback != "" {
		fmt.Fprintf(&b, "- Note: %s\n", f.Fallback)
	}
	if f.HasPatch && f.Patch != "" {
		fence := "```"
		for strings.Contains(f.Patch, fence) {
			fence += "`"
		}
		fmt.Fprintf(&b, "\n<details><summary>The change as a patch (apply with <code>git apply</code>)</summary>\n\n%sdiff\n%s\n%s\n\n</details>\n\n", fence, strings.TrimRight(f.Patch, "\n"), fence)
	}
	if len(f.Denials) > 0 {
		fmt.Fprintf(&b, "- Tools Claude was not allowed to use: %s (CLAUDE_ALLOWED_TOOLS)\n", strings.Join(f.Denials, ", "))
	}
	if f.Truncated {
		b.WriteString("- The answer was too long and has been cut\n")
	}
	if f.Session != "" {
		fmt.Fprintf(&b, "- Session: %s\n", f.Session)
	}
	return b.String()
}

func jobLink(f Footer) string {
	if f.JobURL == "" {
		return fmt.Sprint(f.JobID)
	}
	return fmt.Sprintf("[%d](%s)", f.JobID, f.JobURL)
}

// Unauthorised is the one short reply to someone who may not trigger the bot. version is
// GitLab's when it does not list members of groups invited into the project (before 17.0,
// authz.HidesSharedMembers), else "": the person may well have access that way.
func Unauthorised(jobID int64, username, minLevelName, version string) string {
	if version != "" {
		return fmt.Sprintf("Sorry @%s, only project members with at least the %s role can ask me for work here, and GitLab "+
			"does not list you as one. If you have access through a group invited into this project: GitLab %s does not "+
			"show such members to me (it does from 17.0); ask the operator to add you to `ALLOWED_USERS`, or a maintainer "+
			"to add you to the project directly.\n\n%s", username, minLevelName, version, marker.Job(jobID))
	}
	return fmt.Sprintf("Sorry @%s, only project members with at least the %s role can ask me for work here.\n\n%s",
		username, minLevelName, marker.Job(jobID))
}
