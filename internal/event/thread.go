package event

import "strconv"

// ShortSHA is a commit id as people read it (8 characters, as GitLab shows them): in notes,
// branch names, the job page and `jobs`.
func ShortSHA(sha string) string { return sha[:min(8, len(sha))] }

// Ref is how a person names the thread: "#12", "!7", "commit 1a2b3c4d", "snippet 5". In a note,
// an MR description or a commit message GitLab turns "#12" and "!7" into links.
func (t Thread) Ref() string {
	switch t.Type {
	case ThreadIssue:
		return "#" + strconv.FormatInt(t.IID, 10)
	case ThreadMergeRequest:
		return "!" + strconv.FormatInt(t.IID, 10)
	case ThreadCommit:
		return "commit " + ShortSHA(t.CommitSHA)
	case ThreadSnippet:
		return "snippet " + strconv.FormatInt(t.ID, 10)
	}
	return string(t.Type)
}
