package sandbox

import (
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// The chown race of user mode (issue 16, vector 4): while the service hands a worktree to the
// agent's user, or takes it back, a process of that user (a concurrent run, a leftover) swaps a
// folder for a symlink to a folder outside holding a root-owned stand-in for /etc/shadow. Nothing
// outside the worktree may change owner. The control run walks by path as the old chownTree did,
// and shows the test sees the breach.
func TestChownRaceNeverLeavesTheTree(t *testing.T) {
	agent := raceAccount(t)
	for _, tc := range []struct {
		name  string
		chown func(dir string, uid, gid int) error
		// when says at which hook call the agent's process swaps wt/sub for the link: the fd walk
		// calls the hook before opening an entry, the path walk after changing one.
		when func(path, worktree string) bool
		safe bool
	}{
		{"fd walk", chownTree, func(path, wt string) bool { return path == filepath.Join(wt, "sub") }, true},
		{"control: path walk", chownByPath, func(path, wt string) bool { return strings.HasPrefix(path, filepath.Join(wt, "a")) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, standIn := raceTree(t)
			worktree := filepath.Join(dir, "wt")
			swapped, swaps := false, 0
			chownHook = func(path string) {
				if !swapped && tc.when(path, worktree) {
					swapped = swap(t, agent, worktree, standIn)
					if swapped {
						swaps++
					}
				}
			}
			t.Cleanup(func() { chownHook = nil })
			lendErr := tc.chown(worktree, agent.uid, agent.gid) // lend
			swapped = false
			backErr := tc.chown(worktree, 0, 0) // and take back, the link swapped in again
			if swaps == 0 {
				t.Fatalf("the agent's process never got to swap a folder: the test shows nothing")
			}
			t.Logf("lend: %v; take back: %v", lendErr, backErr)
			owner := ownerOf(t, filepath.Join(standIn, "shadow"))
			if tc.safe && owner != 0 {
				t.Errorf("the stand-in for /etc/shadow outside the worktree now belongs to uid %d", owner)
			}
			if !tc.safe && owner == 0 {
				t.Errorf("control: the path walk kept the stand-in's owner: the test cannot see the breach")
			}
			if tc.safe && ownerOf(t, filepath.Join(worktree, "a", "file")) != 0 {
				t.Errorf("the worktree was not given back")
			}
		})
	}
}

// A file with a second name (a hard link to something outside) is not lent.
func TestChownLeavesHardLinkedFiles(t *testing.T) {
	agent := raceAccount(t)
	dir, standIn := raceTree(t)
	if err := os.Link(filepath.Join(standIn, "shadow"), filepath.Join(dir, "wt", "a", "shadow")); err != nil {
		t.Fatal(err)
	}
	if err := chownTree(filepath.Join(dir, "wt"), agent.uid, agent.gid); err != nil {
		t.Fatal(err)
	}
	if owner := ownerOf(t, filepath.Join(standIn, "shadow")); owner != 0 {
		t.Errorf("a hard link lent the stand-in to uid %d", owner)
	}
	if owner := ownerOf(t, filepath.Join(dir, "wt", "a", "file")); owner != agent.uid {
		t.Errorf("the worktree's own file belongs to %d, want the agent's %d", owner, agent.uid)
	}
}

// raceAccount is the agent's user of the race tests: nobody, switched to with setpriv.
func raceAccount(t *testing.T) *account {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root, as user mode does")
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("no setpriv")
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &account{name: "nobody", uid: uid, gid: gid}
}

// raceTree is <dir>/wt with a/file and sub/file, all root's, and beside it a stand-in folder with
// a root-owned shadow file. The folders above are passable, as DATA_DIR's are in user mode.
func raceTree(t *testing.T) (dir, standIn string) {
	t.Helper()
	dir = t.TempDir()
	for d := dir; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	for _, f := range []string{"wt/a/file", "wt/sub/file", "standin/shadow"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("secret\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir, filepath.Join(dir, "standin")
}

// swap is the agent's user replacing wt/sub by a link to the stand-in folder; false when it may
// not (the worktree is not its own yet).
func swap(t *testing.T, a *account, worktree, standIn string) bool {
	cmd := exec.Command("setpriv", "--reuid="+strconv.Itoa(a.uid), "--regid="+strconv.Itoa(a.gid), "--clear-groups", "--",
		"/bin/sh", "-c", `mv "$1/sub" "$1/sub.old.$$" && ln -s "$2" "$1/sub"`, "swap", worktree, standIn)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	return cmd.Run() == nil
}

func ownerOf(t *testing.T, path string) int {
	t.Helper()
	st, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return int(st.Sys().(*syscall.Stat_t).Uid)
}

// chownByPath is the old chownTree: a walk by path with Lchown, for the control run.
func chownByPath(dir string, uid, gid int) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		err = os.Lchown(path, uid, gid)
		if chownHook != nil {
			chownHook(path)
		}
		return err
	})
}
