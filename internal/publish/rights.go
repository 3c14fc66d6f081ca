package publish

import (
	"fmt"
	"slices"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/authz"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
)

// Access levels, as GitLab numbers them.
const (
	LevelDeveloper  = 30
	LevelMaintainer = 40
	LevelOwner      = 50
)

// Person is the requester as the rules see them: their role on the project and the groups (of
// those the matching rules name) they belong to.
type Person struct {
	ID       int64
	Username string
	Level    int
	Groups   []int64
}

// Right is a decision and the one line that says which rule made it.
type Right struct {
	Allowed bool
	Rule    string
}

// Matching are the rules that cover branch.
func Matching(rules []gitlab.BranchRule, branch string) []gitlab.BranchRule {
	var out []gitlab.BranchRule
	for _, r := range rules {
		if gitlab.RuleMatches(r.Name, branch) {
			out = append(out, r)
		}
	}
	return out
}

// GroupsNamed are the group ids the rules covering branch name: the only memberships worth
// asking GitLab about.
func GroupsNamed(rules []gitlab.BranchRule, branches ...string) []int64 {
	var out []int64
	for _, b := range branches {
		for _, r := range Matching(rules, b) {
			for _, a := range append(slices.Clone(r.Push), r.Merge...) {
				if a.GroupID != 0 && !slices.Contains(out, a.GroupID) {
					out = append(out, a.GroupID)
				}
			}
		}
	}
	return out
}

// MayPush says whether p may push to branch, as GitLab would decide for p themselves: an
// unprotected branch takes pushes from Developers up, a protected one from whoever one of the
// rules covering it allows (GitLab's most permissive rule wins).
func MayPush(rules []gitlab.BranchRule, branch string, p Person) Right {
	return decide(rules, branch, p, "push to", func(r gitlab.BranchRule) []gitlab.BranchAccess { return r.Push })
}

// MayMerge says whether p may merge into branch.
func MayMerge(rules []gitlab.BranchRule, branch string, p Person) Right {
	return decide(rules, branch, p, "merge into", func(r gitlab.BranchRule) []gitlab.BranchAccess { return r.Merge })
}

func decide(rules []gitlab.BranchRule, branch string, p Person, verb string, list func(gitlab.BranchRule) []gitlab.BranchAccess) Right {
	who := fmt.Sprintf("@%s (%s)", p.Username, authz.RoleName(p.Level))
	matching := Matching(rules, branch)
	if len(matching) == 0 {
		if p.Level >= LevelDeveloper {
			return Right{true, fmt.Sprintf("`%s` is not protected and %s may %s it", branch, who, verb)}
		}
		return Right{false, fmt.Sprintf("`%s` is not protected, but only Developers and above may %s it and %s is not one", branch, verb, who)}
	}
	var allowed []string
	for _, r := range matching {
		for _, a := range list(r) {
			if admits(a, p) {
				return Right{true, fmt.Sprintf("%s may %s `%s`: the protected-branch rule `%s` allows %s", who, verb, branch, r.Name, describe(a))}
			}
			allowed = append(allowed, describe(a))
		}
	}
	if len(allowed) == 0 {
		allowed = []string{"no one"}
	}
	names := make([]string, len(matching))
	for i, r := range matching {
		names[i] = "`" + r.Name + "`"
	}
	return Right{false, fmt.Sprintf("%s may not %s `%s`: the protected-branch rule %s allows only %s",
		who, verb, branch, strings.Join(names, ", "), strings.Join(dedupe(allowed), ", "))}
}

// admits applies one entry. Users and groups count for members with at least Developer, the only
// ones GitLab lets such entries name; deploy keys and the administrator level never admit a person.
func admits(a gitlab.BranchAccess, p Person) bool {
	switch {
	case a.DeployKeyID != 0:
		return false
	case a.UserID != 0:
		return a.UserID == p.ID && p.Level >= LevelDeveloper
	case a.GroupID != 0:
		return slices.Contains(p.Groups, a.GroupID) && p.Level >= LevelDeveloper
	}
	return a.Level > 0 && a.Level <= LevelOwner && p.Level >= a.Level
}

func describe(a gitlab.BranchAccess) string {
	switch {
	case a.DeployKeyID != 0:
		return "a deploy key"
	case a.UserID != 0:
		return "the user " + orID(a.Description, "user", a.UserID)
	case a.GroupID != 0:
		return "the group " + orID(a.Description, "group", a.GroupID)
	case a.Level == 0:
		return "no one"
	case a.Level == LevelDeveloper:
		return "Developers and above"
	case a.Level == LevelMaintainer:
		return "Maintainers and above"
	case a.Level == LevelOwner:
		return "Owners"
	}
	return "administrators"
}

func orID(desc, kind string, id int64) string {
	if desc != "" {
		return desc
	}
	return fmt.Sprintf("%s %d", kind, id)
}

func dedupe(s []string) []string {
	var out []string
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
