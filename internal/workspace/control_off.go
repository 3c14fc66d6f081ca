//go:build insecure_containment_control

package workspace

// Built only into the binary of the containment tests' control run: the hardening of harden.go
// is off, to show the end-to-end test sees the breach. Never build a release with this tag.
func init() { hardened = false }
