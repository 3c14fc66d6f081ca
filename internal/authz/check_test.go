package authz

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// fakeGitLab knows a few users, projects and groups, and counts what it was asked.
type fakeGitLab struct {
	users     map[string]gitlab.User // by username
	levels    map[int64]int          // by user id
	projects  map[string]int64       // path → id
	groups    map[string]int64       // path → id
	ancestors map[int64][]int64
	calls     map[string]int
}

func (f *fakeGitLab) count(what string) { f.calls[what]++ }

func (f *fakeGitLab) UserByUsername(_ context.Context, name string) (gitlab.User, error) {
	f.count("UserByUsername")
	if u, ok := f.users[name]; ok {
		return u, nil
	}
	return gitlab.User{}, gitlab.ErrNoSuchUser
}

func (f *fakeGitLab) UserByID(_ context.Context, id int64) (gitlab.User, error) {
	f.count("UserByID")
	for _, u := range f.users {
		if u.ID == id {
			return u, nil
		}
	}
	return gitlab.User{}, gitlab.ErrNotFound
}

func (f *fakeGitLab) Project(_ context.Context, path string) (gitlab.Project, error) {
	if id, ok := f.projects[path]; ok {
		return gitlab.Project{ID: id}, nil
	}
	return gitlab.Project{}, gitlab.ErrNotFound
}

func (f *fakeGitLab) Namespace(_ context.Context, path string) (gitlab.Namespace, error) {
	if id, ok := f.groups[path]; ok {
		return gitlab.Namespace{ID: id}, nil
	}
	return gitlab.Namespace{}, gitlab.ErrForbidden
}

func (f *fakeGitLab) MemberAccessLevel(_ context.Context, _, userID int64) (int, error) {
	f.count("MemberAccessLevel")
	return f.levels[userID], nil
}

func (f *fakeGitLab) ProjectAncestors(_ context.Context, projectID int64) ([]int64, error) {
	f.count("ProjectAncestors")
	return f.ancestors[projectID], nil
}

func newFake() *fakeGitLab {
	return &fakeGitLab{
		users: map[string]gitlab.User{"alice": {ID: 1, Username: "alice"}, "ci": {ID: 2, Username: "ci", Bot: true},
			"bob": {ID: 3, Username: "bob"}, "claude": {ID: 9, Username: "claude"}},
		levels:    map[int64]int{1: 30, 3: 20},
		projects:  map[string]int64{"team/app": 100},
		groups:    map[string]int64{"tools": 50},
		ancestors: map[int64][]int64{200: {50, 40}, 300: {40}},
		calls:     map[string]int{},
	}
}

func mention(projectID int64, author string, id int64) trigger.Request {
	var req trigger.Request
	req.Project.ID = projectID
	req.Author.ID, req.Author.Username = id, author
	return req
}

// The lists resolve names to ids once (unknown entries left out), projects are allowed by id or
// by an ancestor group, and a bot flag and a project's groups are read once while cached.
func TestCheckerAppliesTheResolvedLists(t *testing.T) {
	ctx := context.Background()
	gl := newFake()
	lists := &AllowLists{Users: []string{"@bob", "nobody"}, Bots: []string{"ci"}, Projects: []string{"team/app", "tools/*", "gone/*", "gone/app"}}
	c := Checker{GitLab: gl, Lists: lists, Cache: &Cache{}, MinAccessLevel: 30, Log: slog.New(slog.DiscardHandler)}
	self := gitlab.User{ID: 9, Username: "claude"}
	cases := []struct {
		name string
		req  trigger.Request
		want Verdict
	}{
		{"a Developer on an allowed project", mention(100, "alice", 1), Allow},
		{"a Reporter in ALLOWED_USERS", mention(100, "bob", 3), Allow},
		{"an allowed bot", mention(200, "ci", 2), Allow},
		{"a project in an allowed group", mention(200, "alice", 1), Allow},
		{"a project outside the lists", mention(300, "alice", 1), Ignore},
		{"the bot itself", mention(100, "claude", 9), Ignore},
		{"a token bot by its name", mention(100, "project_100_bot_0a1b", 77), Ignore},
	}
	for _, tc := range cases {
		d, _, err := c.Authorize(ctx, tc.req, self)
		if err != nil || d.Verdict != tc.want {
			t.Errorf("%s: %+v %v, want %s", tc.name, d, err, tc.want)
		}
	}
	if _, _, err := c.Authorize(ctx, mention(200, "ci", 2), self); err != nil {
		t.Fatal(err)
	}
	if gl.calls["UserByUsername"] != 3 || gl.calls["UserByID"] != 3 || gl.calls["ProjectAncestors"] != 2 {
		t.Fatalf("GitLab asked %v: the lists once, each user's bot flag and each project's groups once", gl.calls)
	}
	if err := c.WithinAllowedProjects(ctx, 300); !errors.Is(err, ErrProjectNotAllowed) {
		t.Fatalf("WithinAllowedProjects(300) = %v, want ErrProjectNotAllowed", err)
	}
	if err := c.WithinAllowedProjects(ctx, 200); err != nil {
		t.Fatalf("WithinAllowedProjects(200), in an allowed group: %v", err)
	}
	d, _, err := (Checker{GitLab: gl, Cache: &Cache{}, MinAccessLevel: 30, Log: c.Log}).Authorize(ctx, mention(300, "bob", 3), self)
	if err != nil || d.Verdict != Refuse {
		t.Fatalf("no lists: a Reporter's mention gets %+v %v, want a refusal", d, err)
	}
}

type failingResolver struct{ Resolver }

func (failingResolver) UserByUsername(context.Context, string) (gitlab.User, error) {
	return gitlab.User{}, errors.New("GitLab is down")
}

// A list that cannot be resolved now is resolved at the next call, not taken as empty.
func TestAllowListsRetryAfterAnError(t *testing.T) {
	lists := &AllowLists{Users: []string{"alice"}}
	log := slog.New(slog.DiscardHandler)
	if err := lists.Resolve(context.Background(), failingResolver{}, log); err == nil {
		t.Fatal("no error while GitLab is down")
	}
	if err := lists.Resolve(context.Background(), newFake(), log); err != nil {
		t.Fatal(err)
	}
	if l, _ := lists.ensure(context.Background(), nil, log); !l.users[1] {
		t.Fatalf("alice not resolved: %+v", l)
	}
}
