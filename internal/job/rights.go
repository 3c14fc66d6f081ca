package job

import (
	"context"
	"fmt"
	"slices"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/authz"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/prompt"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
)

// requester judges the job's requester on branches, reading their rights once per job: the bot's
// token may be stronger than they are, and every push and merge is decided on them.
func (r *Runner) requester(j *job) *publish.Requester {
	if j.rights == nil {
		j.rights = publish.NewRequester(r.GitLab, j.req.Project.ID, j.req.Author.ID, j.req.Author.Username,
			func(ctx context.Context) (int, error) { return r.requesterLevel(ctx, j) })
	}
	return j.rights
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
