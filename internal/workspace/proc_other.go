//go:build !unix

package workspace

import "os/exec"

// killGroup: without process groups, a cancel kills git itself only.
func killGroup(cmd *exec.Cmd) {}
