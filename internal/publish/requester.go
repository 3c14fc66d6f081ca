package publish

import (
	"context"
	"fmt"
	"slices"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
)

// RightsReader reads what decides a person's rights on a project's branches.
type RightsReader interface {
	BranchRules(ctx context.Context, projectID int64) ([]gitlab.BranchRule, error)
	InGroup(ctx context.Context, groupID, userID int64) (bool, error)
}

// Requester is the person who asked, judged on branches as GitLab would judge them: the bot's
// token may be stronger than they are, and every push and merge is decided on them (DESIGN.md
// "What happens to a trigger" step 2). It reads their role, the project's protected-branch rules
// and the groups among those the rules name that they belong to, each once per job.
type Requester struct {
	gitlab    RightsReader
	projectID int64
	level     func(ctx context.Context) (int, error)
	person    Person
	rules     []gitlab.BranchRule
	read      bool
	checked   []int64 // groups asked about
}

// NewRequester judges the user (id, username) on the project; level is their role there, read
// by the caller (who may know it from authorisation already).
func NewRequester(g RightsReader, projectID, userID int64, username string, level func(ctx context.Context) (int, error)) *Requester {
	return &Requester{gitlab: g, projectID: projectID, level: level, person: Person{ID: userID, Username: username}}
}

// MayPush says whether the requester may push to branch, and which rule says so.
func (q *Requester) MayPush(ctx context.Context, branch string) (Right, error) {
	if err := q.readFor(ctx, branch); err != nil {
		return Right{}, err
	}
	return MayPush(q.rules, branch, q.person), nil
}

// MayMerge says whether the requester may merge into branch, and which rule says so.
func (q *Requester) MayMerge(ctx context.Context, branch string) (Right, error) {
	if err := q.readFor(ctx, branch); err != nil {
		return Right{}, err
	}
	return MayMerge(q.rules, branch, q.person), nil
}

// readFor reads what deciding about branch needs and is not read yet.
func (q *Requester) readFor(ctx context.Context, branch string) error {
	if !q.read {
		level, err := q.level(ctx)
		if err != nil {
			return err
		}
		rules, err := q.gitlab.BranchRules(ctx, q.projectID)
		if err != nil {
			return fmt.Errorf("read the protected branches: %w", err)
		}
		q.person.Level, q.rules, q.read = level, rules, true
	}
	for _, g := range GroupsNamed(q.rules, branch) {
		if slices.Contains(q.checked, g) {
			continue
		}
		in, err := q.gitlab.InGroup(ctx, g, q.person.ID)
		if err != nil {
			return fmt.Errorf("check @%s's groups: %w", q.person.Username, err)
		}
		q.checked = append(q.checked, g)
		if in {
			q.person.Groups = append(q.person.Groups, g)
		}
	}
	return nil
}
