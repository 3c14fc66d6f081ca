package main

import (
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// `setup --group` where the bot may not manage group hooks: a webhook on every project of the
// group and its subgroups it administers, the one it cannot administer reported; dry run changes
// nothing, a second run changes nothing either; `doctor --group` checks them in one table.
func TestSetupGroupOnEveryProject(t *testing.T) {
	g, token := testGitLab(t)
	files := map[string]string{"README.md": "hi\n"}
	one := g.AddProject("acme/one", "main", files)
	two := g.AddProject("acme/sub/two", "main", files)
	three := g.AddProject("acme/sub/deep/three", "main", files)
	locked := g.AddProject("acme/locked", "main", files)
	outside := g.AddProject("other/four", "main", files)
	g.AddMember(one.ID, 1, fakegitlab.Maintainer)
	g.AddGroupMember("acme/sub", 1, fakegitlab.Maintainer) // two and three inherit it
	g.AddMember(locked.ID, 1, fakegitlab.Developer)
	g.AddMember(outside.ID, 1, fakegitlab.Maintainer)
	env := []string{"GITLAB_URL=" + g.URL(), "GITLAB_TOKEN=" + token, "DATA_DIR=" + t.TempDir(),
		"PUBLIC_URL=https://claude.example.com", "WEBHOOK_SECRET=fake-secret-for-group-setup-0123456789", "CLAUDE_PATH=claude-not-installed-here"}
	hooks := func() (n []int) {
		for _, p := range []fakegitlab.Project{one, two, three, locked, outside} {
			n = append(n, len(g.Hooks(p.ID)))
		}
		return n
	}

	out, code := runCLIAt(t, t.TempDir(), env, "setup", "--group", "acme", "--dry-run")
	if code != 1 || !contains(out, "group webhooks are not available", "acme/one", "would create", "acme/sub/deep/three",
		"acme/locked", "cannot administer", "4 projects in acme") || strings.Contains(out, "other/four") {
		t.Fatalf("dry run (exit %d):\n%s", code, out)
	}
	if got := hooks(); got[0]+got[1]+got[2]+got[3]+got[4] != 0 {
		t.Fatalf("the dry run made hooks: %v", got)
	}

	out, code = runCLIAt(t, t.TempDir(), env, "setup", "--group", "acme")
	if got := hooks(); code != 1 || got[0] != 1 || got[1] != 1 || got[2] != 1 || got[3] != 0 || got[4] != 0 {
		t.Fatalf("hooks %v after setup (exit %d):\n%s", got, code, out)
	}
	h := g.Hooks(three.ID)[0]
	if h.URL != "https://claude.example.com/webhook" || h.Token != "fake-secret-for-group-setup-0123456789" || !h.NoteEvents {
		t.Fatalf("hook on a subgroup's project: %+v", h)
	}
	out, _ = runCLIAt(t, t.TempDir(), env, "setup", "--group", "acme")
	if got := hooks(); got[0] != 1 || got[1] != 1 || got[2] != 1 || !contains(out, "already right") {
		t.Fatalf("second run: hooks %v\n%s", got, out)
	}

	out, code = runCLIAt(t, t.TempDir(), env, "doctor", "--group", "acme")
	for _, want := range []string{"acme/one", "acme/sub/two", "acme/sub/deep/three", "acme/locked", "listing webhooks needs Maintainer"} {
		if !strings.Contains(out, want) {
			t.Fatalf("doctor --group lacks %q:\n%s", want, out)
		}
	}
	if code != 0 || strings.Contains(out, "\n✗ ") {
		t.Fatalf("doctor --group with every hook in place (exit %d):\n%s", code, out)
	}
	// A project without our hook is a ✗ in the table.
	g.AddMember(locked.ID, 1, fakegitlab.Maintainer)
	out, code = runCLIAt(t, t.TempDir(), env, "doctor", "--group", "acme")
	if code != 1 || !strings.Contains(out, "✗ acme/locked") {
		t.Fatalf("doctor --group with a project lacking the hook (exit %d):\n%s", code, out)
	}

	// Where the bot may manage the group's hooks (Owner, paid tier): one group hook instead.
	g.AddGroupMember("acme", 1, fakegitlab.Owner)
	out, code = runCLIAt(t, t.TempDir(), env, "setup", "--group", "acme")
	if code != 0 || len(g.GroupHooks("acme")) != 1 || len(g.Hooks(locked.ID)) != 0 {
		t.Fatalf("group hook (exit %d), group hooks %d:\n%s", code, len(g.GroupHooks("acme")), out)
	}
}

// On the Free tier there are no group webhooks, even for the group's Owner: a webhook on each
// project instead.
func TestSetupGroupOnTheFreeTier(t *testing.T) {
	g, err := fakegitlab.New(fakegitlab.Options{RateLimitPerMinute: -1, Tier: fakegitlab.TierFree})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	bot := g.AddUser("claude-bot", "Claude", true)
	token := g.AddToken(bot.ID, []string{"api"}, time.Now().Add(90*24*time.Hour), "personal")
	one := g.AddProject("acme/one", "main", map[string]string{"README.md": "hi\n"})
	two := g.AddProject("acme/sub/two", "main", map[string]string{"README.md": "hi\n"})
	g.AddGroupMember("acme", bot.ID, fakegitlab.Owner)
	env := []string{"GITLAB_URL=" + g.URL(), "GITLAB_TOKEN=" + token, "DATA_DIR=" + t.TempDir(),
		"PUBLIC_URL=https://claude.example.com", "WEBHOOK_SECRET=fake-secret-for-group-setup-0123456789"}
	out, code := runCLIAt(t, t.TempDir(), env, "setup", "--group", "acme")
	if code != 0 || len(g.GroupHooks("acme")) != 0 || len(g.Hooks(one.ID)) != 1 || len(g.Hooks(two.ID)) != 1 ||
		!strings.Contains(out, "group webhooks are not available") {
		t.Fatalf("Free tier (exit %d), group hooks %d:\n%s", code, len(g.GroupHooks("acme")), out)
	}
}
