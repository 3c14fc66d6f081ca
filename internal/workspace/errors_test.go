package workspace

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
	"testing"
)

func TestIsTransient(t *testing.T) {
	for _, c := range []struct {
		text string
		want bool
	}{
		{"git fetch: exit status 128: fatal: unable to access 'https://gitlab.example/x.git/': Could not resolve host: gitlab.example", true},
		{"git fetch: exit status 128: fatal: unable to access 'https://gitlab.example/x.git/': The requested URL returned error: 502", true},
		{"git push: exit status 1: error: RPC failed; HTTP 500 curl 22 The requested URL returned error: 500", true},
		{"git fetch: exit status 128: fatal: early EOF; fatal: fetch-pack: invalid index-pack output", true},
		{"dial tcp 10.0.0.1:443: connect: connection refused", true},
		{"read tcp 10.0.0.2:5000->10.0.0.1:443: read: connection reset by peer", true},
		{"net/http: TLS handshake timeout", true},
		{"git fetch: exit status 128: fatal: unable to access 'https://gitlab.example/x.git/': The requested URL returned error: 403", false},
		{"git push: exit status 1: ! [rejected] main -> main (fetch first)", false},
	} {
		if got := IsTransient(errors.New(c.text)); got != c.want {
			t.Errorf("IsTransient(%q) = %v", c.text, got)
		}
	}
}

func TestNoSpace(t *testing.T) {
	if !NoSpace(&fs.PathError{Op: "write", Path: "/data/x", Err: syscall.ENOSPC}) {
		t.Error("ENOSPC is not a full disk")
	}
	if !NoSpace(errors.New("git checkout: exit status 128: fatal: write error: No space left on device")) {
		t.Error("git's words for a full disk are not")
	}
	if NoSpace(errors.New("git checkout: exit status 1: error: pathspec 'x' did not match")) {
		t.Error("another error is a full disk")
	}
}

func TestRejection(t *testing.T) {
	err := fmt.Errorf("%w: git push: exit status 1\nremote: GitLab: Commit message does not follow the pattern\nremote: \n ! [remote rejected] x -> x (pre-receive hook declined)", ErrRejected)
	if got := Rejection(err); got != "GitLab: Commit message does not follow the pattern" {
		t.Errorf("Rejection = %q", got)
	}
	plain := errors.New("git push: exit status 1")
	if got := Rejection(plain); got != plain.Error() {
		t.Errorf("without GitLab's words: %q", got)
	}
}
