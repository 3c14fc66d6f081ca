package publish

import (
	"fmt"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/prompt"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// PipelineCommitMessage says what the commit fixes: Claude's summary, the pipeline and its jobs.
func PipelineCommitMessage(req trigger.Request, jobs []prompt.FailedJob, text string, attempt, limit int) string {
	s := Subject(text)
	if s == "" {
		s = fmt.Sprintf("Fix the failed pipeline #%d", req.Pipeline.ID)
	}
	names := make([]string, 0, len(jobs))
	for _, j := range jobs {
		names = append(names, j.Name)
	}
	body := fmt.Sprintf("Pipeline #%d failed on %s", req.Pipeline.ID, req.Pipeline.Branch)
	if len(names) > 0 {
		body += " (jobs: " + strings.Join(names, ", ") + ")"
	}
	if req.URL != "" {
		body += "\n" + req.URL
	}
	return fmt.Sprintf("%s\n\n%s.\nAutomatic fix %d of at most %d (PIPELINE_FIX).\n", s, body, attempt, limit)
}

// WikiCommitMessage records on the page's history what Claude did and who asked.
func WikiCommitMessage(req trigger.Request, text, jobURL string) string {
	s := Subject(text)
	if s == "" {
		s = "edit " + req.Wiki.Title
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Claude: %s (requested by @%s)\n\n", s, req.Author.Username)
	if body := strings.TrimSpace(text); body != "" && body != s {
		b.WriteString(body + "\n\n")
	}
	fmt.Fprintf(&b, "Request: %s\n", strings.ReplaceAll(req.Text, "\n", " / "))
	if jobURL != "" {
		fmt.Fprintf(&b, "Job: %s\n", jobURL)
	}
	return b.String()
}

// Subject is the first line of text as a commit subject: no Markdown marks, at most 72 chars.
func Subject(text string) string {
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(strings.Trim(strings.TrimSpace(line), "#*_`>-"))
		if line == "" {
			continue
		}
		if r := []rune(line); len(r) > 72 {
			line = strings.TrimSpace(string(r[:71])) + "…"
		}
		return line
	}
	return ""
}
