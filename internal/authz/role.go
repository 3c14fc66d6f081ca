package authz

import "fmt"

var roleNames = map[int]string{0: "not a member", 10: "Guest", 15: "Planner", 20: "Reporter", 30: "Developer", 40: "Maintainer", 50: "Owner"}

// RoleName is GitLab's name of an access level ("not a member" for 0, "level 5" for one without
// a name): the one naming of roles, for prompts, replies and refusals alike.
func RoleName(level int) string {
	if n, ok := roleNames[level]; ok {
		return n
	}
	return fmt.Sprintf("level %d", level)
}
