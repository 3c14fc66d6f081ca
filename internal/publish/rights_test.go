package publish

import (
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
)

func TestRequesterRightsFollowGitLabsRules(t *testing.T) {
	rules := []gitlab.BranchRule{
		{Name: "main", Push: []gitlab.BranchAccess{{Level: 0}}, Merge: []gitlab.BranchAccess{{Level: LevelMaintainer}}},
		{Name: "release/*", Push: []gitlab.BranchAccess{{GroupID: 7, Level: 40, Description: "release-team"}}, Merge: []gitlab.BranchAccess{{UserID: 5, Level: 40, Description: "Bob"}}},
		{Name: "*-stable", Push: []gitlab.BranchAccess{{Level: LevelDeveloper}}},
		{Name: "deploy", Push: []gitlab.BranchAccess{{DeployKeyID: 3, Level: 40}}},
	}
	dev := Person{ID: 2, Username: "alice", Level: 30}
	devInTeam := Person{ID: 2, Username: "alice", Level: 30, Groups: []int64{7}}
	maint := Person{ID: 3, Username: "mia", Level: 40}
	bob := Person{ID: 5, Username: "bob", Level: 30}
	reporter := Person{ID: 6, Username: "rita", Level: 20}
	cases := []struct {
		name   string
		got    Right
		want   bool
		phrase string
	}{
		{"unprotected, Developer", MayPush(rules, "feat", dev), true, "not protected"},
		{"unprotected, Reporter", MayPush(rules, "feat", reporter), false, "only Developers and above"},
		{"push no one, even a Maintainer", MayPush(rules, "main", maint), false, "allows only no one"},
		{"merge main, Developer", MayMerge(rules, "main", dev), false, "Maintainers and above"},
		{"merge main, Maintainer", MayMerge(rules, "main", maint), true, "rule `main` allows Maintainers"},
		{"wildcard group, member", MayPush(rules, "release/1.0", devInTeam), true, "the group release-team"},
		{"wildcard group, not member", MayPush(rules, "release/1.0", dev), false, "`release/*`"},
		{"group entry's level 40 is no role", MayPush(rules, "release/1.0", maint), false, "release-team"},
		{"merge by user", MayMerge(rules, "release/2", bob), true, "the user Bob"},
		{"wildcard with slash and most permissive wins", MayPush(rules, "release/x-stable", dev), true, "`*-stable`"},
		{"deploy key admits no person", MayPush(rules, "deploy", maint), false, "a deploy key"},
	}
	for _, c := range cases {
		if c.got.Allowed != c.want || !strings.Contains(c.got.Rule, c.phrase) || strings.Contains(c.got.Rule, "\n") {
			t.Errorf("%s: got %+v, want allowed=%t with %q", c.name, c.got, c.want, c.phrase)
		}
	}
	if g := GroupsNamed(rules, "release/9", "main"); len(g) != 1 || g[0] != 7 {
		t.Errorf("groups named: %v", g)
	}
}

func TestOneLineChangeBecomesASuggestion(t *testing.T) {
	patch := " a.go | 2 +-\n 1 file changed\n\ndiff --git a/a.go b/a.go\nindex 1..2 100644\n--- a/a.go\n+++ b/a.go\n@@ -2,3 +2,3 @@ package a\n \n-func f() {}\n+func f() { return }\n \n"
	path, line, text, ok := OneLine(patch)
	if !ok || path != "a.go" || line != 3 || text != "func f() { return }" {
		t.Fatalf("OneLine = %q %d %q %t", path, line, text, ok)
	}
	for _, p := range []string{
		strings.Replace(patch, "+func f() { return }\n", "+func f() { return }\n+// more\n", 1),
		patch + "diff --git a/b.go b/b.go\n--- a/b.go\n+++ b/b.go\n@@ -1 +1 @@\n-x\n+y\n",
		strings.Replace(patch, "-func f() {}\n", "", 1),
	} {
		if _, _, _, ok := OneLine(p); ok {
			t.Errorf("not one line, taken as one:\n%s", p)
		}
	}
}
