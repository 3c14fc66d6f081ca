package job

import (
	"context"
	"fmt"
	"slices"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/authz"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/prompt"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
)

// rights is what a job learns about its requester's rights, read once per job: their role on the
// project, the project's protected-branch rules and the groups among those the rules name that
// they belong to. The bot's token may be stronger than the requester: every push and merge is
// judged on the requester (DESIGN.md "What happens to a trigger" step 2).
type rights struct {
	person  publish.Person
	rules   []gitlab.BranchRule
	checked []int64 // groups asked about
}

// requesterRights reads the rights that decide about branches.
func (r *Runner) requesterRights(ctx context.Context, j *job, branches ...string) (*rights, error) {
	if j.rights == nil {
		level, err := r.requesterLevel(ctx, j)
		if err != nil {
			return nil, err
		}
		list, err := r.GitLab.BranchRules(ctx, j.req.Project.ID)
		if err != nil {
			return nil, fmt.Errorf("read the protected branches: %w", err)
		}
		j.rights = &rights{rules: list,
			person: publish.Person{ID: j.req.Author.ID, Username: j.req.Author.Username, Level: level}}
	}
	for _, g := range publish.GroupsNamed(j.rights.rules, branches...) {
		if slices.Contains(j.rights.checked, g) {
			continue
		}
		in, err := r.GitLab.InGroup(ctx, g, j.req.Author.ID)
		if err != nil {
			return nil, fmt.Errorf("check @%s's groups: %w", j.req.Author.Username, err)
		}
		j.rights.checked = append(j.rights.checked, g)
		if in {
			j.rights.person.Groups = append(j.rights.person.Groups, g)
		}
	}
	return j.rights, nil
}

// requesterLevel is the requester's role on the project, read once per job.
func (r *Runner) requesterLevel(ctx context.Context, j *job) (int, error) {
	if j.level != nil {
		return *j.level, nil
	}
	level, err := r.GitLab.MemberAccessLevel(ctx, j.req.Project.ID, j.req.Author.ID)
	if err != nil {
		return 0, fmt.Errorf("check @%s's access: %w", j.req.Author.Username, err)
	}
	j.level = &level
	return level, nil
}

// mayPush and mayMerge judge the requester on a branch.
func (r *Runner) mayPush(ctx context.Context, j *job, branch string) (publish.Right, error) {
	rt, err := r.requesterRights(ctx, j, branch)
	if err != nil {
		return publish.Right{}, err
	}
	return publish.MayPush(rt.rules, branch, rt.person), nil
}

func (r *Runner) mayMerge(ctx context.Context, j *job, branch string) (publish.Right, error) {
	rt, err := r.requesterRights(ctx, j, branch)
	if err != nil {
		return publish.Right{}, err
	}
	return publish.MayMerge(rt.rules, branch, rt.person), nil
}

// roles labels the authors of a thread's text (id → username) for the prompt, with their roles
// read in one request per hundred authors: bots (this service, access-token bots, service
// accounts) and non-members are untrusted, and their text is fenced as data.
func (r *Runner) roles(ctx context.Context, j *job, authors map[int64]string) (map[int64]prompt.Role, error) {
	levels := map[int64]int{}
	if j.level != nil {
		levels[j.req.Author.ID] = *j.level // known from authorisation
	}
	ids := make([]int64, 0, len(authors))
	for id, name := range authors {
		_, known := levels[id]
		if id != 0 && !known && id != j.bot.ID && !authz.IsBotName(name) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	if len(ids) > 0 {
		got, err := r.GitLab.MemberLevels(ctx, j.req.Project.ID, ids)
		if err != nil {
			return nil, fmt.Errorf("read the roles of the thread's authors: %w", err)
		}
		for id, l := range got {
			levels[id] = l
		}
	}
	out := make(map[int64]prompt.Role, len(authors))
	for id, name := range authors {
		level := levels[id]
		switch {
		case (j.bot.ID != 0 && id == j.bot.ID) || authz.IsBotName(name):
			out[id] = prompt.Role{Label: "bot", Untrusted: true}
		case level == 0:
			out[id] = prompt.Role{Label: "not a member", Untrusted: true}
		default:
			out[id] = prompt.Role{Label: publish.RoleName(level)}
		}
	}
	return out, nil
}
