package fakegitlab

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitserver"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// Protected branches with their own push and merge lists: roles, a user, a group, wildcards; the
// git server enforces the push lists for whoever pushes, the merge API the merge lists.
func TestProtectionRulesByRoleUserGroupAndWildcard(t *testing.T) {
	w := newWorld(t, Options{})
	bob := w.g.AddUser("bob", "Bob", false)
	w.g.AddMember(w.p.ID, bob.ID, Developer)
	bobToken := w.g.AddToken(bob.ID, []string{"api"}, time.Time{}, "personal")
	w.g.AddGroupMember("release-team", w.alice.ID, Developer)
	w.g.ProtectWith(w.p.ID, "main", Protection{Push: []AccessRule{{Level: Maintainer}}, Merge: []AccessRule{{UserID: bob.ID}}})
	w.g.ProtectWith(w.p.ID, "release/*", Protection{Push: []AccessRule{{Group: "release-team"}}, Merge: []AccessRule{{Level: Maintainer}}})

	push := func(token, ref string) (string, error) {
		dir := w.clone(t, token)
		write(t, dir, "x.txt", ref+time.Now().String())
		gitRun(t, dir, "add", "-A")
		gitRun(t, dir, "-c", "user.name=U", "-c", "user.email=u@example.com", "commit", "-qm", "x")
		return gitOut(dir, "push", "origin", "HEAD:refs/heads/"+ref)
	}
	if out, err := push(w.aliceToken, "main"); err == nil || !strings.Contains(out, gitserver.ProtectedMessage) {
		t.Fatalf("Developer pushed to Maintainers-only main: %v\n%s", err, out)
	}
	if out, err := push(w.aliceToken, "release/1.0"); err != nil {
		t.Fatalf("release-team member could not push to release/1.0: %s", out)
	}
	if out, err := push(bobToken, "release/2.0"); err == nil {
		t.Fatalf("non-member of release-team pushed to release/2.0:\n%s", out)
	}

	c := w.client(t, w.aliceToken)
	pb, _, err := c.ProtectedBranches.GetProtectedBranch(w.p.ID, "release/*")
	if err != nil || len(pb.PushAccessLevels) != 1 || pb.PushAccessLevels[0].GroupID != w.g.GroupID("release-team") {
		t.Fatalf("release/* rule: %+v %v", pb, err)
	}
	pb, _, err = c.ProtectedBranches.GetProtectedBranch(w.p.ID, "main")
	if err != nil || pb.MergeAccessLevels[0].UserID != bob.ID || pb.PushAccessLevels[0].AccessLevel != gitlab.MaintainerPermissions {
		t.Fatalf("main rule: %+v %v", pb, err)
	}
	b, _, err := c.Branches.GetBranch(w.p.ID, "release/1.0")
	if err != nil || !b.Protected || !b.CanPush {
		t.Fatalf("release/1.0 for alice: %+v %v", b, err)
	}
	if _, resp, err := c.GroupMembers.GetInheritedGroupMember(w.g.GroupID("release-team"), bob.ID); resp == nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("bob in release-team: %v", err)
	}
	if m, _, err := c.GroupMembers.GetInheritedGroupMember(w.g.GroupID("release-team"), w.alice.ID); err != nil || m.AccessLevel != gitlab.DeveloperPermissions {
		t.Fatalf("alice in release-team: %+v %v", m, err)
	}

	// Merge rights: main merges only for bob (by user); alice's merge call is refused.
	dir := w.clone(t, w.aliceToken)
	write(t, dir, "f.txt", "f")
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "-c", "user.name=U", "-c", "user.email=u@example.com", "commit", "-qm", "f")
	gitRun(t, dir, "push", "-q", "origin", "HEAD:refs/heads/feature")
	mr := w.g.CreateMR(w.p.ID, w.alice.ID, "feature", "main", "F", "")
	_, resp, err := c.MergeRequests.AcceptMergeRequest(w.p.ID, mr.IID, nil)
	wantStatus(t, resp, err, http.StatusUnauthorized)
	if _, _, err := w.client(t, bobToken).MergeRequests.AcceptMergeRequest(w.p.ID, mr.IID, nil); err != nil {
		t.Fatalf("bob, allowed by user, could not merge: %v", err)
	}
}

// An MR from a fork: its commits reach the target only under refs/merge-requests/<iid>/head; with
// allow_collaboration a member who may merge to the target may push to the MR's source branch of
// the fork, and to no other branch of it.
func TestForkMRAndCollaboratorPush(t *testing.T) {
	w := newWorld(t, Options{})
	mallory := w.g.AddUser("mallory", "Mallory", false)
	fork := w.g.AddFork(w.p.ID, "mallory/proj", mallory.ID)
	w.g.SetPublic(fork.ID, true)
	sha := w.g.CommitFiles(fork.ID, "main", "evil", map[string]string{"x.txt": "x\n"})
	mr := w.g.CreateForkMR(w.p.ID, fork.ID, mallory.ID, "evil", "main", "Evil", "", true)
	if mr.SHA != sha || !w.g.HasCommit(w.p.ID, sha) {
		t.Fatalf("fork MR head %s, want %s in the target's MR ref", mr.SHA, sha)
	}
	if refs := w.g.RefsContaining(w.p.ID, sha); len(refs) != 1 || refs[0] != "refs/merge-requests/1/head" {
		t.Fatalf("the fork's commit is under %v in the target", refs)
	}
	c := w.client(t, w.aliceToken)
	got, _, err := c.MergeRequests.GetMergeRequest(w.p.ID, mr.IID, nil)
	if err != nil || got.SourceProjectID != fork.ID || !got.AllowCollaboration || got.SHA != sha {
		t.Fatalf("fork MR: %+v %v", got, err)
	}

	forkURL := func(token string) string {
		return strings.Replace(fork.HTTPURL, "http://", "http://oauth2:"+token+"@", 1)
	}
	dir := filepath.Join(t.TempDir(), "fork")
	gitRun(t, "", "clone", "-q", "-b", "evil", forkURL(w.aliceToken), dir)
	write(t, dir, "y.txt", "y")
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "-c", "user.name=U", "-c", "user.email=u@example.com", "commit", "-qm", "y")
	if out, err := gitOut(dir, "push", "origin", "HEAD:refs/heads/other"); err == nil {
		t.Fatalf("a collaborator pushed to another branch of the fork:\n%s", out)
	}
	if out, err := gitOut(dir, "push", "origin", "HEAD:evil"); err != nil {
		t.Fatalf("a Developer of the target (may merge to main) could not push to the MR's source branch: %s", out)
	}
	w.g.ProtectWith(w.p.ID, "main", Protection{Push: []AccessRule{{Level: Maintainer}}, Merge: []AccessRule{{Level: Maintainer}}})
	write(t, dir, "z.txt", "z")
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "-c", "user.name=U", "-c", "user.email=u@example.com", "commit", "-qm", "z")
	if out, err := gitOut(dir, "push", "origin", "HEAD:evil"); err == nil {
		t.Fatalf("a Developer who may not merge to main pushed to the fork:\n%s", out)
	}
}
