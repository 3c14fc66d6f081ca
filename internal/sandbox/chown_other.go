//go:build !linux

package sandbox

import "errors"

var chownHook func(path string)

// chownTree needs Linux (openat with O_PATH, fchownat on an fd): user mode is Linux only.
func chownTree(dir string, uid, gid int) error {
	return errors.New("sandbox: user mode needs Linux")
}
