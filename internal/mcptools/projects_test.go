package mcptools_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/mcptools"
)

// access is what the bot sees of projects and what the requester's role is in each.
type access struct {
	projects map[string]gitlab.Project
	levels   map[int64]int
}

func (a access) Project(_ context.Context, path string) (gitlab.Project, error) {
	if p, ok := a.projects[path]; ok {
		return p, nil
	}
	return gitlab.Project{}, gitlab.ErrNotFound
}

func (a access) MemberAccessLevel(_ context.Context, projectID, _ int64) (int, error) {
	return a.levels[projectID], nil
}

// Another project is open to a job's tools when the bot reads it, it is within
// ALLOWED_PROJECTS, and it is public or internal or the requester may read it: the bot's own
// access is not the measure. Each one left out is recorded with why.
func TestOtherProjectsNeedTheRequestersAccess(t *testing.T) {
	gl := access{
		projects: map[string]gitlab.Project{
			"acme/public":   {ID: 1, Path: "acme/public", Visibility: "public"},
			"acme/internal": {ID: 2, Path: "acme/internal", Visibility: "internal"},
			"acme/lib":      {ID: 3, Path: "acme/lib", Visibility: "private"},
			"acme/secret":   {ID: 4, Path: "acme/secret", Visibility: "private"},
			"other/tool":    {ID: 5, Path: "other/tool", Visibility: "public"},
		},
		levels: map[int64]int{3: gitlab.AccessReporter, 4: gitlab.AccessGuest},
	}
	allowed := func(_ context.Context, id int64) error {
		if id == 5 {
			return errors.New("not within ALLOWED_PROJECTS")
		}
		return nil
	}
	var records []string
	record := func(kind, text string) { records = append(records, kind+": "+text) }
	paths := []string{"acme/public", "acme/internal", "acme/lib", "acme/secret", "other/tool", "acme/missing"}
	got := mcptools.OtherProjects(context.Background(), gl, paths, event.User{ID: 7, Username: "alice"}, allowed, record)
	if want := []string{"acme/public", "acme/internal", "acme/lib"}; !slices.Equal(got, want) {
		t.Errorf("projects = %v, want %v", got, want)
	}
	want := []string{
		"step: gitlab_tools_projects: @alice cannot read acme/secret; left out of this job's tools",
		"error: gitlab_tools_projects: other/tool left out: not within ALLOWED_PROJECTS",
		"error: gitlab_tools_projects: acme/missing is not readable by the bot",
	}
	if len(records) != len(want) {
		t.Fatalf("records = %q, want %d", records, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(records[i], w) {
			t.Errorf("record %d = %q, want %q…", i, records[i], w)
		}
	}
}
