package workspace

import (
	"errors"
	"strings"
	"syscall"
)

// What an error of git (or of the network under it) means, read from its words: git's are
// English (LC_ALL=C), and its stderr's tail is in the error's text.

// transientWords are the network's and git's words for trouble that passes.
var transientWords = []string{"connection refused", "connection reset", "i/o timeout", "TLS handshake timeout",
	"Could not resolve host", "The requested URL returned error: 5", "RPC failed", "early EOF"}

// IsTransient says whether err is worth another try later: the network failed, or GitLab did not
// answer a git request properly (a 5xx, a cut transfer).
func IsTransient(err error) bool {
	msg := err.Error()
	for _, s := range transientWords {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// NoSpace says whether err is a full disk (ENOSPC, or git's words for it).
func NoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || strings.Contains(err.Error(), "No space left on device")
}

// Rejection is GitLab's own words from a refused push ("remote: GitLab: …"), else err's text.
func Rejection(err error) string {
	var lines []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if _, msg, ok := strings.Cut(l, "remote: "); ok && strings.TrimSpace(msg) != "" {
			lines = append(lines, strings.TrimSpace(msg))
		}
	}
	if len(lines) == 0 {
		return err.Error()
	}
	return strings.Join(lines, " ")
}
