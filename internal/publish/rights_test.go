package publish

import (
	"strings"
	"testing"
)

func TestRequesterRightsFollowGitLabsRules(t *testing.T) {
	rules := []BranchRule{
		{Name: "main", Push: []Access{{Level: 0}}, Merge: []Access{{Level: LevelMaintainer}}},
		{Name: "release/*", Push: []Access{{GroupID: 7, Level: 40, Description: "release-team"}}, Merge: []Access{{UserID: 5, Level: 40, Description: "Bob"}}},
		{Name: "*-stable", Push: []Access{{Level: LevelDeveloper}}},
		{Name: "deploy", Push: []Access{{DeployKeyID: 3, Level: 40}}},
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
