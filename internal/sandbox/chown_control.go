//go:build linux && insecure_containment_control

package sandbox

import (
	"io/fs"
	"os"
	"path/filepath"
)

// Built only into the binary of the containment tests' control run: the chown of user mode
// walks by path, as it did before issue 16, to show the end-to-end test sees the race. Never
// build a release with this tag.

var chownHook func(path string)

func chownTree(dir string, uid, gid int) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, uid, gid)
	})
}
