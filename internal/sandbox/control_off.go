//go:build insecure_containment_control

package sandbox

// Built only into the binary of the containment tests' control run: the agent writes the
// worktree's real git dir, to show the end-to-end test sees the breach. Never build a release
// with this tag.
func init() { copyGitDir = false }
