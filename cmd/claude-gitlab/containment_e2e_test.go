package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// Issue 16, vector 1, through the real binary with its default sandbox: a prompt-injected agent
// (the fake CLI's sh directive) plants, inside its worktree, a clean filter for the service's git
// through the project's submodule (a .git file with gitdir: pointing at a repository it wrote,
// whose config names the filter) and .gitattributes naming drivers; a second run rewrites its
// worktree's git dir (commondir, gitdir, HEAD, a config and config.worktree that include a
// filter). Nothing runs outside the sandbox, each job ends with one reply, the MR holds the
// legitimate change and the submodule as it was, and the next job of the project, in the same
// pooled worktree, works. The control run is the same against a binary built with the
// hardening off (tag insecure_containment_control): the test must see the breach there.
func TestInjectedAgentCannotRunCodeThroughTheServicesGit(t *testing.T) {
	needOwnNetwork(t) // a bwrap-confined run (the default); skipped without bubblewrap outside CI
	t.Run("hardened", func(t *testing.T) {
		got := gitAttack(t)
		if len(got.ran) > 0 {
			t.Errorf("the agent's filter ran outside the sandbox: %v", got.ran)
		}
		if !got.submoduleKept || !got.changeIn {
			t.Errorf("the MR lost the change or changed the submodule:\n%s", got.tree)
		}
		if !got.rewriteOK {
			t.Errorf("the run that rewrote its git dir did not end with its answer:\n%s", got.rewriteReply)
		}
		if !got.nextOK {
			t.Errorf("the next job in the same worktree failed:\n%s", got.nextReply)
		}
	})
	t.Run("control", func(t *testing.T) {
		got := gitAttack(t, "TEST_BINARY="+controlBinary(t))
		if len(got.ran) == 0 || got.submoduleKept {
			t.Errorf("control: without the hardening the filter did not run (%v) or the submodule was kept: the test cannot see the breach", got.ran)
		}
		if got.rewriteOK && got.nextOK {
			t.Errorf("control: the rewritten git dir did no harm without the hardening: the test cannot see the breach")
		}
	})
}

// gitOutcome is what the attacks led to.
type gitOutcome struct {
	ran                     []string // the marker files the agent's filter left outside
	tree                    string   // of the MR's commit
	changeIn, submoduleKept bool
	rewriteOK, nextOK       bool
	rewriteReply, nextReply string
}

func gitAttack(t *testing.T, env ...string) gitOutcome {
	w := newWorld(t, append([]string{"WORKERS=1"}, env...)...)
	libSHA := strings.Repeat("1", 40)
	addSubmodule(t, w, "vendor/lib", libSHA)
	marks := t.TempDir()
	filter := strings.NewReplacer("MARKS", marks).Replace(`set -e; W=$PWD
mkdir -p .evil/src; cd .evil/src; git init -q; echo library > lib.txt; git add lib.txt
git -c user.name=a -c user.email=a@b commit -qm lib; cd "$W"; mv .evil/src/.git .evil/repo; rm -rf .evil/src
printf '#!/bin/sh\ntouch MARKS/ran-$1\ncat\n' > .evil/f.sh; chmod +x .evil/f.sh
printf '[filter "evil"]\n\tclean = %s/.evil/f.sh filter\n[diff "evil"]\n\ttextconv = %s/.evil/f.sh textconv\n' "$W" "$W" >> .evil/repo/config
echo "gitdir: $W/.evil/repo" > vendor/lib/.git; printf '* filter=evil diff=evil\n' > vendor/lib/.gitattributes
echo library > vendor/lib/lib.txt; printf '* filter=evil diff=evil merge=evil\n' > .gitattributes
echo '# Changelog' > CHANGELOG.md; echo attacked`)
	issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Add a changelog", "We need one.", false)
	reply := ask(w, issue.IID, 1, "@claude please add a changelog\nFAKE_CLAUDE sh "+strconv.Quote(filter))
	if !strings.Contains(reply, "attacked") || !strings.Contains(reply, "exit: <nil>") {
		t.Fatalf("the attack did not run to its end inside the sandbox, the test shows nothing:\n%s", reply)
	}
	var out gitOutcome
	mrs := w.g.MergeRequests(w.proj.ID)
	if len(mrs) != 1 {
		t.Fatalf("want one MR, got %+v\n%s", mrs, reply)
	}
	out.tree, _ = w.g.Git(w.proj.ID, "ls-tree", "-r", mrs[0].SHA)
	out.changeIn = strings.Contains(out.tree, "\tCHANGELOG.md")
	out.submoduleKept = strings.Contains(out.tree, "160000 commit "+libSHA+"\tvendor/lib")

	// The agent rewrites its worktree's git dir; its config and config.worktree include a filter.
	rewrite := `set -e; W=$PWD; G=$(git rev-parse --git-dir); mkdir -p .evil
printf '[filter "evil"]\n\tclean = %s/.evil/f.sh filter\n' "$W" > .evil/inc
printf '[include]\n\tpath = %s/.evil/inc\n' "$W" > "$G/config.worktree"; cp "$G/config.worktree" "$G/config"
echo /tmp/evil > "$G/commondir"; echo /tmp/evil/.git > "$G/gitdir"
echo 0000000000000000000000000000000000000001 > "$G/HEAD"; echo rewritten`
	out.rewriteReply = ask(w, issue.IID, 2, "@claude look at the git files\nFAKE_CLAUDE sh "+strconv.Quote(rewrite))
	out.rewriteOK = strings.Contains(out.rewriteReply, "rewritten") && strings.Contains(out.rewriteReply, "exit: <nil>")

	// The pooled worktree is whole: the next job of the project runs in it.
	out.nextReply = ask(w, issue.IID, 3, "@claude add notes too\nFAKE_CLAUDE write NOTES.md \"notes\\n\"\nFAKE_CLAUDE answer Added NOTES.md.")
	out.nextOK = strings.Contains(out.nextReply, "Added NOTES.md")
	entries, _ := os.ReadDir(marks)
	for _, e := range entries {
		out.ran = append(out.ran, e.Name())
	}
	return out
}

// ask comments on the issue and returns the n-th reply, once its job has ended.
func ask(w *world, iid int64, n int, comment string) string {
	w.t.Helper()
	ev, body := w.g.IssueNoteEvent(w.proj.ID, iid, w.alice.ID, comment)
	w.deliver(ev, body, http.StatusAccepted)
	notes := w.waitAnswers(fakegitlab.ThreadIssue, ref(iid), n)
	if len(notes) != n {
		w.t.Fatalf("%d replies, want %d", len(notes), n)
	}
	return notes[n-1].Body
}

// addSubmodule commits a submodule (a gitlink and its .gitmodules entry) on the project's main.
func addSubmodule(t *testing.T, w *world, path, sha string) {
	t.Helper()
	gitDir, err := w.g.Git(w.proj.ID, "rev-parse", "--absolute-git-dir")
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "GIT_DIR="+gitDir, "GIT_INDEX_FILE="+filepath.Join(t.TempDir(), "index"),
		"GIT_AUTHOR_NAME=Alice", "GIT_AUTHOR_EMAIL=alice@example.com",
		"GIT_COMMITTER_NAME=Alice", "GIT_COMMITTER_EMAIL=alice@example.com")
	git := func(stdin string, args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Env, cmd.Stdin = env, strings.NewReader(stdin)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git %v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	parent := git("", "rev-parse", "refs/heads/main")
	git("", "read-tree", parent)
	blob := git("[submodule \"lib\"]\n\tpath = "+path+"\n\turl = https://example.com/lib.git\n", "hash-object", "-w", "--stdin")
	git("", "update-index", "--add", "--cacheinfo", "100644,"+blob+",.gitmodules")
	git("", "update-index", "--add", "--cacheinfo", "160000,"+sha+","+path)
	commit := git("add a submodule\n", "commit-tree", git("", "write-tree"), "-p", parent)
	git("", "update-ref", "refs/heads/main", commit)
}

// controlBinary is claude-gitlab built with the containment hardening off, for control runs.
var (
	controlOnce sync.Once
	controlPath string
	controlErr  error
)

func controlBinary(t *testing.T) string {
	t.Helper()
	controlOnce.Do(func() {
		dir, err := os.MkdirTemp("", "claude-gitlab-control-")
		if err != nil {
			controlErr = err
			return
		}
		controlPath = filepath.Join(dir, "claude-gitlab")
		out, err := exec.Command("go", "build", "-tags", "insecure_containment_control", "-o", controlPath, ".").CombinedOutput()
		if err != nil {
			controlErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if controlErr != nil {
		t.Fatal(controlErr)
	}
	return controlPath
}
