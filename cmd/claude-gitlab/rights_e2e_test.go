package main

import (
	"net/http"
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// The bot's token is a Maintainer's; the requester is a Developer on a branch only Maintainers
// may push to and merge into. The bot does what the requester could: a new branch and a merge
// request, no auto-merge; the reply names the rule. A Maintainer's same request goes to the
// branch itself. (Control run: with ChooseTarget ignoring RequesterPush and autoMerge skipping
// mayMerge, the first half fails: the commit lands on release/1.2 and auto-merge is set.)
func TestRequesterRightsBoundPushAndAutoMerge(t *testing.T) {
	w := newWorld(t, "GITLAB_AUTO_MERGE=true")
	w.g.AddMember(w.proj.ID, w.bot.ID, fakegitlab.Maintainer)
	mia := w.g.AddUser("mia", "Mia", false)
	w.g.AddMember(w.proj.ID, mia.ID, fakegitlab.Maintainer)
	w.g.CommitFiles(w.proj.ID, "main", "release/1.2", map[string]string{"version.txt": "1.2.0\n"})
	w.g.ProtectWith(w.proj.ID, "release/*", fakegitlab.Protection{
		Push: []fakegitlab.AccessRule{{Level: fakegitlab.Maintainer}}, Merge: []fakegitlab.AccessRule{{Level: fakegitlab.Maintainer}}})
	mr := w.g.CreateMR(w.proj.ID, w.alice.ID, "release/1.2", "main", "Release 1.2", "")
	before := w.g.BranchSHA(w.proj.ID, "release/1.2")

	ev, body := w.g.MRNoteEvent(w.proj.ID, mr.IID, w.alice.ID, "@claude bump the patch version\nFAKE_CLAUDE write version.txt \"1.2.1\\n\"")
	w.deliver(ev, body, http.StatusAccepted)
	answer := w.waitAnswers(fakegitlab.ThreadMR, ref(mr.IID), 1)[0].Body

	if got := w.g.BranchSHA(w.proj.ID, "release/1.2"); got != before {
		t.Fatalf("the Maintainers-only branch moved (pushed, or merged by auto-merge) on a Developer.s request:\n%s", answer)
	}
	var opened []fakegitlab.MergeRequest
	for _, m := range w.g.MergeRequests(w.proj.ID) {
		if m.IID != mr.IID {
			opened = append(opened, m)
		}
	}
	if len(opened) != 1 || opened[0].TargetBranch != "release/1.2" || !strings.HasPrefix(opened[0].SourceBranch, "claude/") {
		t.Fatalf("want one new MR into release/1.2, got %+v\n%s", opened, answer)
	}
	if opened[0].AutoMerge || opened[0].State == "merged" {
		t.Fatalf("auto-merge set for a Developer on a Maintainers-only target: %+v\n%s", opened[0], answer)
	}
	for _, want := range []string{"@alice (Developer) may not push to `release/1.2`: the protected-branch rule `release/*` allows only Maintainers and above",
		"Auto-merge was not set: @alice (Developer) may not merge into `release/1.2`"} {
		if !strings.Contains(answer, want) {
			t.Fatalf("the answer lacks %q:\n%s", want, answer)
		}
	}

	ev, body = w.g.MRNoteEvent(w.proj.ID, mr.IID, mia.ID, "@claude bump the minor version\nFAKE_CLAUDE write version.txt \"1.3.0\\n\"")
	w.deliver(ev, body, http.StatusAccepted)
	notes := w.waitAnswers(fakegitlab.ThreadMR, ref(mr.IID), 2)
	answer = notes[len(notes)-1].Body
	if file, _ := w.g.FileAt(w.proj.ID, w.g.BranchSHA(w.proj.ID, "release/1.2"), "version.txt"); file != "1.3.0\n" {
		t.Fatalf("a Maintainer's change is not on release/1.2 (%q):\n%s", file, answer)
	}
	if !strings.Contains(answer, "Pushed because @mia (Maintainer) may push to `release/1.2`: the protected-branch rule `release/*` allows Maintainers and above") {
		t.Fatalf("the answer does not name the rule:\n%s", answer)
	}
}
