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

// Acknowledgement is the note the acknowledgement lane posts for a request that waits behind
// aheadProject requests of its project and aheadAll overall. With nothing ahead a worker takes it
// at its next fetch (≤ 0.2 s), so the note says it is working already (started) and the worker
// has nothing to edit; else it says it is queued.
func Acknowledgement(jobID int64, jobURL string, aheadProject, aheadAll int) (body string, started bool) {
	if aheadAll == 0 {
		return Started(jobID, jobURL), true
	}
	return Queued(jobID, jobURL, aheadProject, aheadAll), false
}

// Started is the progress note as a worker starts on a request.
func Started(jobID int64, jobURL string) string {
	return Progress(jobID, jobURL, []Step{{Text: "Read the request"}})
}

// CancelledWhileQueued is what the "queued" note becomes when its request is cancelled before a
// worker took it.
func CancelledWhileQueued(jobID int64, jobURL string) string {
	return Failure(jobID, jobURL, "This request was cancelled before it was answered.", "Comment `@claude` again to ask anew.")
}

func requests(n int) string {
	if n == 1 {
		return "1 request"
	}
	return fmt.Sprintf("%d requests", n)
}
