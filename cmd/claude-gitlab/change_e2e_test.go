package main

import (
	"net/http"
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// A change asked for on an issue: a new branch, a commit by the bot, an MR that closes the issue,
// set to merge when the pipeline (the project has CI) succeeds.
func TestChangeOnIssueOpensMRWithAutoMerge(t *testing.T) {
	w := newWorld(t, "GITLAB_AUTO_MERGE=true")
	w.g.CommitFiles(w.proj.ID, "main", "main", map[string]string{".gitlab-ci.yml": "test:\n  script: go test ./...\n"})
	issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Add a changelog", "We need one.", false)
	ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID,
		"@claude please add a changelog\nFAKE_CLAUDE write CHANGELOG.md \"# Changelog\\n\\n- first entry\\n\"\nFAKE_CLAUDE answer Added CHANGELOG.md with a first entry.")
	w.deliver(ev, body, http.StatusAccepted)
	notes := w.waitAnswers(fakegitlab.ThreadIssue, ref(issue.IID), 1)

	mrs := w.g.MergeRequests(w.proj.ID)
	if len(mrs) != 1 {
		t.Fatalf("want one MR, got %+v\n%s", mrs, notes[0].Body)
	}
	mr := mrs[0]
	if mr.SourceBranch != "claude/issue-1-add-a-changelog" || mr.TargetBranch != "main" || mr.Author != "claude-bot" {
		t.Fatalf("MR: %+v", mr)
	}
	if !strings.Contains(mr.Description, "Closes #1") || !strings.Contains(mr.Description, "@alice") {
		t.Fatalf("MR description: %q", mr.Description)
	}
	if !(mr.AutoMerge || mr.State == "merged") {
		t.Fatalf("auto-merge not set: %+v", mr)
	}
	file, err := w.g.FileAt(w.proj.ID, mr.SHA, "CHANGELOG.md")
	if err != nil || !strings.Contains(file, "first entry") {
		t.Fatalf("CHANGELOG.md at the MR head: %q %v", file, err)
	}
	author, message := w.g.CommitInfo(w.proj.ID, mr.SHA)
	if author != "Claude" || !strings.Contains(message, "Added CHANGELOG.md") || !strings.Contains(message, "Requested by @alice") {
		t.Fatalf("commit by %q: %q", author, message)
	}
	answer := notes[0].Body
	for _, want := range []string{"Added CHANGELOG.md", "claude/issue-1-add-a-changelog", "Merge request [!1]"} {
		if !strings.Contains(answer, want) {
			t.Fatalf("answer lacks %q:\n%s", want, answer)
		}
	}
}

// A change asked for on an MR lands on its source branch: no new branch, no new MR.
func TestChangeOnMRCommitsToSourceBranch(t *testing.T) {
	w := newWorld(t)
	mr := w.mrWithChange(t, "feature/login", "login.go", "package main\n\nfunc login() {}\n")
	before := w.g.BranchSHA(w.proj.ID, "feature/login")
	ev, body := w.g.MRNoteEvent(w.proj.ID, mr.IID, w.alice.ID,
		"@claude add a doc comment\nFAKE_CLAUDE edit login.go \"func login() {}\" \"// login signs a user in.\\nfunc login() {}\"")
	w.deliver(ev, body, http.StatusAccepted)
	notes := w.waitAnswers(fakegitlab.ThreadMR, ref(mr.IID), 1)

	after := w.g.BranchSHA(w.proj.ID, "feature/login")
	if after == before {
		t.Fatalf("source branch did not move:\n%s", notes[0].Body)
	}
	if parent := w.g.Parent(w.proj.ID, after); parent != before {
		t.Fatalf("the commit is not on top of the branch: parent %s, was %s", parent, before)
	}
	if n := len(w.g.MergeRequests(w.proj.ID)); n != 1 {
		t.Fatalf("%d MRs, want the one we had", n)
	}
	file, _ := w.g.FileAt(w.proj.ID, after, "login.go")
	if !strings.Contains(file, "// login signs a user in.") {
		t.Fatalf("login.go: %q", file)
	}
	if !strings.Contains(notes[0].Body, "on branch [`feature/login`]") {
		t.Fatalf("answer does not name the branch:\n%s", notes[0].Body)
	}
}

// The MR's source branch is protected: the push is refused, the change goes to a branch of ours
// with an MR into it, and the answer says why.
func TestProtectedBranchFallsBackToMR(t *testing.T) {
	w := newWorld(t)
	mr := w.mrWithChange(t, "release", "version.txt", "1.0\n")
	w.g.Protect(w.proj.ID, "release")
	ev, body := w.g.MRNoteEvent(w.proj.ID, mr.IID, w.alice.ID,
		"@claude bump the version\nFAKE_CLAUDE write version.txt \"1.1\\n\"")
	w.deliver(ev, body, http.StatusAccepted)
	notes := w.waitAnswers(fakegitlab.ThreadMR, ref(mr.IID), 1)

	var opened []fakegitlab.MergeRequest
	for _, m := range w.g.MergeRequests(w.proj.ID) {
		if m.IID != mr.IID {
			opened = append(opened, m)
		}
	}
	if len(opened) != 1 || opened[0].TargetBranch != "release" || !strings.HasPrefix(opened[0].SourceBranch, "claude/mr-") {
		t.Fatalf("fallback MR: %+v\n%s", opened, notes[0].Body)
	}
	if !strings.Contains(notes[0].Body, "protected") {
		t.Fatalf("answer does not say the branch is protected:\n%s", notes[0].Body)
	}
}
