// Package marker spells the hidden HTML comments the bot leaves in its notes, and reads them back.
// A job resumed after a crash finds the notes it already posted by these markers, and a later
// review recognises its findings: the bytes of every marker are a contract with the notes already
// in GitLab, so they are written here and nowhere else (marker_test.go pins each one).
package marker

import (
	"fmt"
	"regexp"
	"strconv"
)

// Job is hidden in every note of a job: the progress note that becomes its answer, and the notes
// that say why it stopped.
func Job(jobID int64) string { return fmt.Sprintf("<!-- claude-gitlab:job=%d -->", jobID) }

// Part is hidden in the k-th note (k ≥ 2) of a long answer. It differs from Job: a search for
// Job(id) never finds a part.
func Part(jobID int64, part int) string {
	return fmt.Sprintf("<!-- claude-gitlab:job=%d part=%d -->", jobID, part)
}

// Settings is hidden in the note about a job's project settings; it differs from Job so that a
// resumed job tells the two notes apart.
func Settings(jobID int64) string {
	return fmt.Sprintf("<!-- claude-gitlab:job=%d:settings -->", jobID)
}

// Suggestion is hidden in a job's suggestion on a diff line.
func Suggestion(jobID int64) string {
	return fmt.Sprintf("<!-- claude-gitlab:job=%d suggestion -->", jobID)
}

// Finding is hidden in a review finding's diff discussion: the job that posted it (a resumed job
// finds it instead of posting again) and the finding's id (a later review recognises it).
func Finding(jobID int64, id string) string {
	return fmt.Sprintf("<!-- claude-gitlab:job=%d finding=%s -->", jobID, id)
}

// Fixed is hidden in the reply that resolves a fixed finding.
func Fixed(jobID int64, id string) string {
	return fmt.Sprintf("<!-- claude-gitlab:job=%d fixed=%s -->", jobID, id)
}

// PipelineFix marks the bot's notes that report an attempt to fix a failed pipeline, PipelineHelp
// the one note that gives up and asks for help. The attempts of an MR are counted from its notes,
// so the count holds across jobs, restarts and replicas, and needs no table of its own.
const (
	PipelineFix  = "<!-- claude-gitlab:pipeline-fix -->"
	PipelineHelp = "<!-- claude-gitlab:pipeline-fix-help -->"
)

var (
	jobMarker     = regexp.MustCompile(`<!-- claude-gitlab:job=(\d+)[ :][^>]*-->`)
	findingMarker = regexp.MustCompile(`<!-- claude-gitlab:job=\d+ finding=([0-9a-f]{16}) -->`)
	anyMarker     = regexp.MustCompile(`\n?<!-- claude-gitlab:[^>]*-->`)
)

// HasJob tells whether body carries the marker of some job, of any kind.
func HasJob(body string) bool { return jobMarker.MatchString(body) }

// JobOf is the job whose marker body carries first; ok is false when it carries none.
func JobOf(body string) (jobID int64, ok bool) {
	m := jobMarker.FindStringSubmatch(body)
	if m == nil {
		return 0, false
	}
	id, err := strconv.ParseInt(m[1], 10, 64)
	return id, err == nil
}

// OfJob tells whether body carries a marker, of any kind, of job jobID.
func OfJob(body string, jobID int64) bool {
	for _, m := range jobMarker.FindAllStringSubmatch(body, -1) {
		if m[1] == strconv.FormatInt(jobID, 10) {
			return true
		}
	}
	return false
}

// FindingID reads the finding id from a note's body; ok is false for notes that are no finding.
func FindingID(body string) (string, bool) {
	m := findingMarker.FindStringSubmatch(body)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// Strip removes every marker (and the line break before it) from body, as GitLab hides them.
func Strip(body string) string { return anyMarker.ReplaceAllString(body, "") }
