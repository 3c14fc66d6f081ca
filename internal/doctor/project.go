package doctor

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/authz"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
)

func (d *doctor) projectFound(ctx context.Context) Result {
	const name = "project"
	if d.user == nil {
		return skip(name, d.o.Project+" not checked: no working token", "fix the token first")
	}
	p, err := d.o.GitLab.Project(ctx, d.o.Project)
	if errors.Is(err, gitlab.ErrNotFound) {
		return fail(name, d.o.Project+" not found, or the bot cannot see it",
			"check the path (as in the project's URL) and add the bot as a member: Project → Manage → Members, role Developer or higher")
	}
	if err != nil {
		return fail(name, err.Error(), "check the path and the token")
	}
	d.project = &p
	return ok(name, fmt.Sprintf("%s (id %d), default branch %s", p.Path, p.ID, p.DefaultBranch))
}

// accessLevel: Developer reads, comments and pushes branches; Maintainer is only needed to push
// to a protected default branch (and to manage the webhook).
func (d *doctor) accessLevel(ctx context.Context) Result {
	const name = "bot access level"
	if d.project == nil {
		return skip(name, "no project", "fix the project check first")
	}
	level, err := d.o.GitLab.MemberAccessLevel(ctx, d.project.ID, d.user.ID)
	if err != nil {
		return fail(name, err.Error(), "run doctor again")
	}
	detail := fmt.Sprintf("%s on %s", authz.RoleName(level), d.project.Path)
	if level < gitlab.AccessDeveloper {
		return fail(name, detail+": cannot push branches or open merge requests",
			"give the bot the Developer role: Project → Manage → Members (or the project's group)")
	}
	if level < gitlab.AccessMaintainer {
		protected, err := d.o.GitLab.ProtectedBranch(ctx, d.project.ID, d.project.DefaultBranch)
		if err == nil && protected {
			return warn(name, detail+"; the default branch "+d.project.DefaultBranch+" is protected", pushAdvice())
		}
	}
	return ok(name, detail)
}

// defaultBranchPush asks GitLab whether the bot may push to the default branch (can_push takes
// protection, roles and per-user exceptions into account).
func (d *doctor) defaultBranchPush(ctx context.Context) Result {
	const name = "push to default branch"
	if d.project == nil {
		return skip(name, "no project", "fix the project check first")
	}
	b, err := d.o.GitLab.Branch(ctx, d.project.ID, d.project.DefaultBranch)
	if errors.Is(err, gitlab.ErrNotFound) {
		return warn(name, "the default branch "+d.project.DefaultBranch+" does not exist (empty repository?)",
			"push a first commit to the project")
	}
	if err != nil {
		return fail(name, err.Error(), "run doctor again")
	}
	if b.CanPush {
		return ok(name, "the bot may push to "+b.Name)
	}
	if d.o.Settings.UseMR {
		return ok(name, "the bot may not push to "+b.Name+"; with GITLAB_USE_MR=true it opens merge requests instead")
	}
	return fail(name, "the bot may not push to "+b.Name+" and GITLAB_USE_MR is off", pushAdvice())
}

// pushRules warns about rules (Premium) that would reject the bot's commits: its messages are
// Claude's summaries, its commits are unsigned and written as the bot.
func (d *doctor) pushRules(ctx context.Context) Result {
	const name = "push rules"
	if d.project == nil {
		return skip(name, "no project", "fix the project check first")
	}
	rule, err := d.o.GitLab.PushRule(ctx, d.project.ID)
	if errors.Is(err, gitlab.ErrForbidden) || errors.Is(err, gitlab.ErrNotFound) {
		// 403 comes to a Developer, and on EE Free to everyone but an administrator: it says
		// nothing about whether rules exist.
		return skip(name, "unknown: GitLab would not show the push rules to the bot (a Developer may not read them; on the Free tier only an administrator may)",
			"if pushes are rejected, compare Settings → Repository → Push rules with the bot's commits")
	}
	if err != nil {
		return fail(name, err.Error(), "run doctor again")
	}
	if rule == nil {
		return ok(name, "none (or not available on this tier)")
	}
	problems := pushRuleProblems(*rule, d.user.Email, d.o.Settings.BranchPrefix)
	if len(problems) == 0 {
		return ok(name, "set, and the bot's commits pass them")
	}
	return warn(name, "may reject the bot's commits: "+strings.Join(problems, "; "),
		"relax these rules in Settings → Repository → Push rules, or make the bot's settings match them (BRANCH_PREFIX, the bot's commit email)")
}

func pushRuleProblems(r gitlab.PushRule, email, branchPrefix string) []string {
	var out []string
	if r.CommitMessageRegex != "" {
		out = append(out, fmt.Sprintf("commit messages must match %q (the bot's are Claude's summaries)", r.CommitMessageRegex))
	}
	if r.CommitMessageNegativeRegex != "" {
		out = append(out, fmt.Sprintf("commit messages must not match %q", r.CommitMessageNegativeRegex))
	}
	if r.AuthorEmailRegex != "" && !matches(r.AuthorEmailRegex, email) {
		out = append(out, fmt.Sprintf("author email must match %q; the bot commits as %s", r.AuthorEmailRegex, email))
	}
	if r.BranchNameRegex != "" && !matches(r.BranchNameRegex, branchPrefix+"issue-1") {
		out = append(out, fmt.Sprintf("branch names must match %q; the bot's start with %s", r.BranchNameRegex, branchPrefix))
	}
	if r.RejectUnsignedCommits {
		out = append(out, "unsigned commits are rejected and the bot does not sign")
	}
	if r.RejectNonDCOCommits {
		out = append(out, "commits need a Signed-off-by line")
	}
	if r.CommitCommitterNameCheck {
		out = append(out, "the committer name must be the bot's GitLab name")
	}
	if r.FileNameRegex != "" {
		out = append(out, fmt.Sprintf("files named like %q are rejected", r.FileNameRegex))
	}
	return out
}

// matches uses Go's RE2, the same syntax GitLab's push rules use.
func matches(pattern, s string) bool {
	re, err := regexp.Compile(pattern)
	return err == nil && re.MatchString(s)
}
