//go:build linux && !insecure_containment_control

package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Linux constants the syscall package lacks.
const (
	atEmptyPath = 0x1000   // AT_EMPTY_PATH: fchownat on the fd itself
	oPath       = 0x200000 // O_PATH: an fd of the entry itself, a link included, opened for nothing
)

// chownHook, when set (tests only), is called with an entry's path before it is opened: a test
// swaps a folder for a link there, as a concurrent process of the agent's user would.
var chownHook func(path string)

// chownTree gives dir and everything in it to uid:gid without ever following a link, and without
// resolving a path twice: each folder is opened with O_NOFOLLOW relative to its parent's open fd,
// and each entry is changed through an fd of its own. A process of the agent's user (a concurrent
// run, a leftover) that swaps a folder for a symlink mid-walk gets its link changed, never what it
// points at. Folders are changed after their contents: when lending, a folder becomes the agent's
// only once everything in it is done, so nothing can be swapped in it while it is walked. A file
// with more than one name is left as it is: another name of it may be outside the tree.
func chownTree(dir string, uid, gid int) error {
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("chown %s: %w", dir, err)
	}
	return chownDir(fd, dir, uid, gid)
}

// chownDir changes the folder open as fd, its contents first; it closes fd.
func chownDir(fd int, path string, uid, gid int) error {
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return fmt.Errorf("chown %s: %w", path, err)
	}
	var errs []error
	for _, name := range names {
		errs = append(errs, chownAt(fd, name, filepath.Join(path, name), uid, gid))
	}
	if err := syscall.Fchown(fd, uid, gid); err != nil {
		errs = append(errs, fmt.Errorf("chown %s: %w", path, err))
	}
	return errors.Join(errs...)
}

// chownAt changes the entry name of the folder open as dirfd: a folder through chownDir, anything
// else (a link included: its own owner) through an O_PATH fd of it.
func chownAt(dirfd int, name, path string, uid, gid int) error {
	if chownHook != nil {
		chownHook(path)
	}
	fd, err := syscall.Openat(dirfd, name, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err == nil {
		return chownDir(fd, path, uid, gid)
	}
	if err == syscall.ENOENT {
		return nil // removed meanwhile
	}
	if err != syscall.ENOTDIR && err != syscall.ELOOP {
		return fmt.Errorf("chown %s: %w", path, err)
	}
	fd, err = syscall.Openat(dirfd, name, oPath|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err == syscall.ENOENT {
		return nil
	}
	if err != nil {
		return fmt.Errorf("chown %s: %w", path, err)
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return fmt.Errorf("chown %s: %w", path, err)
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFDIR && st.Nlink > 1 {
		return nil
	}
	if err := syscall.Fchownat(fd, "", uid, gid, atEmptyPath); err != nil {
		return fmt.Errorf("chown %s: %w", path, err)
	}
	return nil
}
