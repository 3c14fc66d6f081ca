package authz

import "testing"

func TestRoleNameIsGitLabsNameOfALevel(t *testing.T) {
	for level, want := range map[int]string{
		0: "not a member", 5: "level 5", 10: "Guest", 15: "Planner", 20: "Reporter",
		30: "Developer", 40: "Maintainer", 50: "Owner", 60: "level 60",
	} {
		if got := RoleName(level); got != want {
			t.Errorf("RoleName(%d) = %q, want %q", level, got, want)
		}
	}
}
