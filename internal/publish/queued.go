package publish

import (
	"fmt"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
)

// Queued is the progress note while a request waits for a worker: posted by the acknowledgement
// lane as soon as the request is stored, edited when a worker starts.
func Queued(jobID int64, jobURL string, aheadProject, aheadAll int) string {
	var b strings.Builder
	b.WriteString("👀 **Queued.** Claude starts on this as soon as a worker is free.\n\n")
	switch {
	case aheadAll == 0:
		b.WriteString("Nothing is ahead of it.\n")
	default:
		fmt.Fprintf(&b, "Ahead of it: %s in this project, %s overall.\n", requests(aheadProject), requests(aheadAll))
	}
	if jobURL != "" {
		fmt.Fprintf(&b, "\n[Follow the run](%s)\n", jobURL)
	}
	fmt.Fprintf(&b, "\n<sub>job %d</sub>\n%s", jobID, marker.Job(jobID))
	return b.String()
}

func requests(n int) string {
	if n == 1 {
		return "1 request"
	}
	return fmt.Sprintf("%d requests", n)
}
