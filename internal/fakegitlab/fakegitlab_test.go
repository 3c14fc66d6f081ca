package fakegitlab

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// world is a fake GitLab with a developer (alice), a bot and one project.
type world struct {
	g          *GitLab
	alice, bot User
	p          Project
	aliceToken string
	botToken   string
}

func newWorld(t *testing.T, opts Options) *world {
	t.Helper()
	g, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	w := &world{g: g}
	w.alice = g.AddUser("alice", "Alice", false)
	w.bot = g.AddUser("project_1_bot_abc", "Claude", true)
	w.p = g.AddProject("group/proj", "main", map[string]string{
		"README.md": "hello\n",
		"main.go":   "package main\n\nfunc main() {\n\tprintln(\"hi\")\n}\n",
	})
	g.AddMember(w.p.ID, w.alice.ID, Developer)
	g.AddMember(w.p.ID, w.bot.ID, Developer)
	w.aliceToken = g.AddToken(w.alice.ID, []string{"api"}, time.Time{}, "personal")
	w.botToken = g.AddToken(w.bot.ID, []string{"api", "write_repository"}, time.Now().AddDate(0, 1, 0), "project")
	return w
}

// client is the real client-go, without its retries so that tests see each answer.
func (w *world) client(t *testing.T, token string) *gitlab.Client {
	t.Helper()
	c, err := gitlab.NewClient(token, gitlab.WithBaseURL(w.g.APIURL()), gitlab.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func iid(n int64) string { return strconv.FormatInt(n, 10) }

func wantStatus(t *testing.T, resp *gitlab.Response, err error, status int) {
	t.Helper()
	if resp == nil || resp.StatusCode != status {
		code := 0
		if resp != nil {
			code = resp.StatusCode
		}
		t.Fatalf("status = %d (err %v), want %d", code, err, status)
	}
}

func TestCurrentUserAndProjectByPath(t *testing.T) {
	w := newWorld(t, Options{})
	c := w.client(t, w.botToken)
	u, _, err := c.Users.CurrentUser()
	if err != nil || u.ID != w.bot.ID || !u.Bot || u.Username != w.bot.Username {
		t.Fatalf("CurrentUser = %+v, %v", u, err)
	}
	p, _, err := c.Projects.GetProject("group/proj", nil)
	if err != nil || p.ID != w.p.ID || p.DefaultBranch != "main" || p.HTTPURLToRepo != w.g.URL()+"/group/proj.git" {
		t.Fatalf("GetProject = %+v, %v", p, err)
	}
	m, _, err := c.ProjectMembers.GetInheritedProjectMember("group/proj", w.alice.ID)
	if err != nil || m.AccessLevel != gitlab.DeveloperPermissions {
		t.Fatalf("member = %+v, %v", m, err)
	}
	stranger := w.g.AddUser("eve", "Eve", false)
	_, resp, err := c.ProjectMembers.GetInheritedProjectMember(w.p.ID, stranger.ID)
	wantStatus(t, resp, err, http.StatusNotFound)
}

func TestGroupMembershipIsInherited(t *testing.T) {
	w := newWorld(t, Options{})
	bob := w.g.AddUser("bob", "Bob", false)
	w.g.AddGroupMember("group", bob.ID, Maintainer)
	m, _, err := w.client(t, w.aliceToken).ProjectMembers.GetInheritedProjectMember(w.p.ID, bob.ID)
	if err != nil || m.AccessLevel != gitlab.MaintainerPermissions {
		t.Fatalf("inherited member = %+v, %v", m, err)
	}
}
