//go:build unix

package workspace

import (
	"os/exec"
	"syscall"
)

// killGroup makes a cancel kill git and the helpers it started (git-remote-http, pack-objects),
// which would otherwise keep running and keep the token in their environment.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
