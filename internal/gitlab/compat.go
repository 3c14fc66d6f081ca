package gitlab

import (
	"strconv"
	"strings"
)

// Versions where GitLab's behaviour changes in ways the service meets (docs/compatibility.md).
var (
	// SinceMembersAllShared: GET members/all includes members of invited (shared) groups.
	SinceMembersAllShared = [2]int{17, 0}
	// SinceRotateSelf: POST /personal_access_tokens/self/rotate exists.
	SinceRotateSelf = [2]int{16, 10}
)

// AtLeast says whether a GitLab version string ("16.11.10-ee", "17.8.0") is at least
// major.minor; known is false when the version cannot be read (hidden or odd).
func AtLeast(version string, v [2]int) (atLeast, known bool) {
	core, _, _ := strings.Cut(strings.TrimSpace(version), "-")
	parts := strings.SplitN(core, ".", 3)
	if len(parts) < 2 {
		return false, false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false, false
	}
	return major > v[0] || major == v[0] && minor >= v[1], true
}
