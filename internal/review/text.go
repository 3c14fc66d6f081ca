package review

import (
	"fmt"
	"regexp"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
)

// severityMark gives each severity a sign a reader sees at a glance.
func severityMark(s string) string {
	switch s {
	case "critical", "blocker", "high", "major", "error":
		return "🔴"
	case "medium", "moderate", "warning":
		return "🟠"
	case "low", "minor", "nit", "style":
		return "🟡"
	}
	return "🔵"
}

func severityLabel(s string) string {
	if s == "" {
		s = "note"
	}
	return severityMark(s) + " **" + strings.ToUpper(s[:1]) + s[1:] + "**"
}

// FindingBody is the text of a finding's diff discussion. A suggestion on a line of the new
// version is a GitLab suggestion (applied with one click); on a removed line there is nothing to
// apply it to, so it is shown as code.
func FindingBody(jobID int64, in Inline) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s · %s\n", severityLabel(in.Severity), strings.TrimSpace(in.Text))
	if s := in.Suggestion; s != "" {
		s = strings.TrimRight(s, "\n")
		f := fenceFor(s)
		if in.Position.NewLine > 0 {
			fmt.Fprintf(&b, "\n%ssuggestion:-0+0\n%s\n%s\n", f, s, f)
		} else {
			fmt.Fprintf(&b, "\nSuggested instead:\n%s\n%s\n%s\n", f, s, f)
		}
	}
	b.WriteString("\n" + marker.Finding(jobID, in.ID()))
	return b.String()
}

// fenceFor is a code fence longer than any run of backticks in s.
func fenceFor(s string) string {
	longest := 0
	for _, run := range regexp.MustCompile("`+").FindAllString(s, -1) {
		longest = max(longest, len(run))
	}
	return strings.Repeat("`", max(3, longest+1))
}

// SummaryInput is what the summary note says.
type SummaryInput struct {
	Result   Result
	Plan     Plan
	Posted   int       // diff discussions started
	Moved    []Finding // findings GitLab refused at their position: listed here instead
	Resolved int       // earlier findings resolved as fixed
	HeadSHA  string    // the version reviewed
}

// Summary is the review's note in the MR's thread: the verdict, Claude's prose, and every
// finding that is not on a diff line, so none is lost.
func Summary(in SummaryInput) string {
	r := in.Result
	if !r.Parsed {
		return r.Text // no structured findings: the answer as it is
	}
	var b strings.Builder
	verdict := r.Verdict
	if verdict == "" {
		verdict = "comment"
	}
	fmt.Fprintf(&b, "### Review: %s\n\n", strings.ToUpper(verdict[:1])+verdict[1:])
	if r.Text != "" {
		b.WriteString(r.Text + "\n\n")
	}
	var counts []string
	counts = append(counts, fmt.Sprintf("%d inline %s", in.Posted, plural(in.Posted, "comment", "comments")))
	if n := len(in.Plan.Repeated); n > 0 {
		counts = append(counts, fmt.Sprintf("%d already raised in an earlier review (not repeated)", n))
	}
	if in.Resolved > 0 {
		counts = append(counts, fmt.Sprintf("%d earlier %s resolved as fixed", in.Resolved, plural(in.Resolved, "comment", "comments")))
	}
	if in.HeadSHA != "" {
		fmt.Fprintf(&b, "Reviewed `%s`: %s.\n", event.ShortSHA(in.HeadSHA), strings.Join(counts, ", "))
	} else {
		fmt.Fprintf(&b, "%s.\n", strings.Join(counts, ", "))
	}
	outside := append(append([]Finding{}, in.Plan.Summary...), in.Moved...)
	if len(outside) > 0 {
		b.WriteString("\n#### Not on a line of the diff\n\n")
		for _, f := range outside {
			fmt.Fprintf(&b, "- %s %s — %s\n", severityLabel(f.Severity), where(f), strings.TrimSpace(f.Text))
			if s := strings.TrimRight(f.Suggestion, "\n"); s != "" {
				fence := fenceFor(s)
				fmt.Fprintf(&b, "\n  %s\n  %s\n  %s\n\n", fence, strings.ReplaceAll(s, "\n", "\n  "), fence)
			}
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func where(f Finding) string {
	switch {
	case f.Path == "":
		return "(general)"
	case f.NewLine > 0:
		return fmt.Sprintf("`%s:%d`", f.Path, f.NewLine)
	case f.OldLine > 0:
		return fmt.Sprintf("`%s` (old line %d)", f.Path, f.OldLine)
	}
	return "`" + f.Path + "`"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// FixedReply answers a finding's discussion when a later review finds it fixed.
func FixedReply(jobID int64, id, headSHA, commitURL string) string {
	ref := "`" + event.ShortSHA(headSHA) + "`"
	if commitURL != "" {
		ref = "[" + ref + "](" + commitURL + ")"
	}
	return fmt.Sprintf("✅ Fixed as of %s: the re-review no longer finds this.\n\n%s", ref, marker.Fixed(jobID, id))
}
