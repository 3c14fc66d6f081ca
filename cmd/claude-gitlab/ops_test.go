package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/waitfor"
)

// runCLIAt runs a command of the binary in dir (where a .env may be) and returns its output
// and exit code, whatever they are.
func runCLIAt(t *testing.T, dir string, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(out), ee.ExitCode()
	}
	if err != nil {
		t.Fatalf("claude-gitlab %s: %v", strings.Join(args, " "), err)
	}
	return string(out), 0
}

func jobState(t *testing.T, dataDir, id string) string {
	t.Helper()
	var info struct{ State string }
	out := runCLI(t, []string{"DATA_DIR=" + dataDir}, "jobs", "show", id, "--json")
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		t.Fatalf("jobs show --json: %v\n%s", err, out)
	}
	return info.State
}

func TestJobsShowCancelRetry(t *testing.T) {
	g, token := testGitLab(t)
	dataDir := t.TempDir()
	s := startService(t, "GITLAB_URL="+g.URL(), "GITLAB_TOKEN="+token, "WEBHOOK_SECRET="+testSecret, "DATA_DIR="+dataDir)
	code, out := s.post("Note Hook", mentionNote(t, 4242, "@claude explain the cache"), "X-Gitlab-Token", testSecret)
	if code != http.StatusAccepted {
		t.Fatalf("queue: %d %v", code, out)
	}
	s.sigterm() // the job stays in the database, not running
	id := jsonNumber(out["job"])

	show := runCLI(t, []string{"DATA_DIR=" + dataDir}, "jobs", "show", id)
	if !strings.Contains(show, "Job "+id+":") || !strings.Contains(show, "explain the cache") || !strings.Contains(show, "Author:") {
		t.Fatalf("jobs show:\n%s", show)
	}
	cancel := runCLI(t, []string{"DATA_DIR=" + dataDir}, "jobs", "cancel", id)
	if !strings.Contains(cancel, "cancelled") || jobState(t, dataDir, id) != "cancelled" {
		t.Fatalf("jobs cancel:\n%s", cancel)
	}
	retry := runCLI(t, []string{"DATA_DIR=" + dataDir}, "jobs", "retry", id)
	if !strings.Contains(retry, "queued") || jobState(t, dataDir, id) != "queued" {
		t.Fatalf("jobs retry:\n%s", retry)
	}
	if out := runCLI(t, []string{"DATA_DIR=" + dataDir}, "jobs", "list", "--state", "queued"); !strings.Contains(out, "explain the cache") {
		t.Fatalf("jobs list --state queued:\n%s", out)
	}
	if out := runCLI(t, []string{"DATA_DIR=" + dataDir}, "jobs", "list", "--state", "answered"); !strings.Contains(out, "(no jobs)") {
		t.Fatalf("jobs list --state answered:\n%s", out)
	}
	if out := runCLIErr(t, []string{"DATA_DIR=" + dataDir}, "jobs", "list", "--state", "bogus"); !strings.Contains(out, `"bogus" is not a job state`) || !strings.Contains(out, "queued, running, waiting") {
		t.Fatalf("jobs list --state bogus:\n%s", out)
	}
	if out := runCLIErr(t, []string{"DATA_DIR=" + dataDir}, "jobs", "show", "999999"); !strings.Contains(out, "999999") {
		t.Fatalf("unknown job:\n%s", out)
	}
	if out := runCLIErr(t, []string{"DATA_DIR=" + dataDir}, "jobs", "cancel", "x1"); !strings.Contains(out, "not a job id") {
		t.Fatalf("bad id:\n%s", out)
	}
}

func jsonNumber(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// setupWorld is a fake GitLab with a Maintainer bot on group/proj, and the settings for it.
func setupWorld(t *testing.T) (*fakegitlab.GitLab, fakegitlab.Project, []string) {
	g, token := testGitLab(t)
	p := g.AddProject("group/proj", "main", map[string]string{"README.md": "hi\n"})
	g.AddMember(p.ID, 1, fakegitlab.Maintainer) // user 1 is the bot of testGitLab
	return g, p, []string{"GITLAB_URL=" + g.URL(), "GITLAB_TOKEN=" + token, "DATA_DIR=" + t.TempDir(),
		"PUBLIC_URL=https://claude.example.com", "CLAUDE_PATH=claude-not-installed-here"}
}

func TestSetupCreatesUpdatesAndDryRuns(t *testing.T) {
	g, p, env := setupWorld(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".env"), []byte("# mine\nexport LOG_LEVEL=info # keep\nWEBHOOK_SECRET=\n"), 0o644)
	out, code := runCLIAt(t, dir, env, "setup", "--project", "group/proj")
	hooks := g.Hooks(p.ID)
	if len(hooks) != 1 || hooks[0].URL != "https://claude.example.com/webhook" || !hooks[0].NoteEvents || hooks[0].PushEvents {
		t.Fatalf("hooks after create: %+v\n%s", hooks, out)
	}
	secret := hooks[0].Token
	if !strings.Contains(out, "will create a webhook") || !strings.Contains(out, "written to .env") || strings.Contains(out, secret) || len(secret) != 64 {
		t.Fatalf("create output:\n%s", out)
	}
	// The generated secret is in .env, every other line kept, readable by its owner only: serve
	// starts with it.
	dotenv, _ := os.ReadFile(filepath.Join(dir, ".env"))
	if st, _ := os.Stat(filepath.Join(dir, ".env")); string(dotenv) != "# mine\nexport LOG_LEVEL=info # keep\nWEBHOOK_SECRET="+secret+"\n" || st.Mode().Perm() != 0o600 {
		t.Fatalf(".env after setup (%v):\n%s", st.Mode(), dotenv)
	}
	// Then doctor ran for the project: the hook is fine, the CLI is missing (exit 1).
	if code != 1 || !strings.Contains(out, "✓ webhook events") || !strings.Contains(out, "✗ claude CLI") {
		t.Fatalf("doctor after setup (exit %d):\n%s", code, out)
	}

	env = append(env, "WEBHOOK_SECRET=fake-secret-from-env-0123456789abcdef")
	out, _ = runCLIAt(t, t.TempDir(), env, "setup", "--project", "group/proj", "--pipeline", "--dry-run")
	if !strings.Contains(out, "would update webhook") || !strings.Contains(out, "pipeline events: off → on") || !strings.Contains(out, "nothing changed") {
		t.Fatalf("dry run:\n%s", out)
	}
	if h := g.Hooks(p.ID); len(h) != 1 || h[0].PipelineEvents || h[0].Token != secret {
		t.Fatalf("dry run changed the hook: %+v", h)
	}

	out, _ = runCLIAt(t, t.TempDir(), env, "setup", "--project", "group/proj", "--pipeline")
	hooks = g.Hooks(p.ID)
	if len(hooks) != 1 || !hooks[0].PipelineEvents || hooks[0].Token != "fake-secret-from-env-0123456789abcdef" || strings.Contains(out, "WEBHOOK_SECRET=") {
		t.Fatalf("update: %+v\n%s", hooks, out)
	}
	out, _ = runCLIAt(t, t.TempDir(), env, "setup", "--project", "group/proj", "--pipeline")
	if len(g.Hooks(p.ID)) != 1 || !strings.Contains(out, "settings already right") {
		t.Fatalf("second update:\n%s", out)
	}
}

// --print: the secret is printed for a secret manager, and no .env is written.
func TestSetupPrintsTheSecretWithPrint(t *testing.T) {
	g, p, env := setupWorld(t)
	dir := t.TempDir()
	out, _ := runCLIAt(t, dir, env, "setup", "--project", "group/proj", "--print")
	hooks := g.Hooks(p.ID)
	if len(hooks) != 1 || !strings.Contains(out, "WEBHOOK_SECRET="+hooks[0].Token+"\n") {
		t.Fatalf("--print output:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, ".env")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("--print wrote .env: %v", err)
	}
}

// A refused token: the error says so once and ends with what to do.
func TestSetupErrorsCarryAFix(t *testing.T) {
	_, _, env := setupWorld(t)
	env = append(env, "GITLAB_TOKEN=token-revoked-or-never-was-one")
	out, code := runCLIAt(t, t.TempDir(), env, "setup", "--project", "group/proj")
	if code != 1 || strings.Count(out, "401 Unauthorized") != 1 || !strings.Contains(out, "\nfix: GitLab refused GITLAB_TOKEN") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	out, code = runCLIAt(t, t.TempDir(), env[:len(env)-1], "setup", "--project", "group/no-such-project")
	if code != 1 || !strings.Contains(out, "\nfix: check the path") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestSetupExplainsMissingRights(t *testing.T) {
	g, p, env := setupWorld(t)
	g.AddMember(p.ID, 1, fakegitlab.Developer)
	out, code := runCLIAt(t, t.TempDir(), env, "setup", "--project", "group/proj", "--url", "https://x.example/webhook")
	if code == 0 || !strings.Contains(out, "Maintainer") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestDoctorJSONAndExitCode(t *testing.T) {
	g, _, env := setupWorld(t)
	_ = g
	out, code := runCLIAt(t, t.TempDir(), env, "doctor", "--project", "group/proj", "--json")
	var report struct {
		OK     bool
		Checks []struct{ Name, Status, Fix string }
	}
	if err := json.Unmarshal([]byte(out), &report); err != nil || code != 1 || report.OK {
		t.Fatalf("exit %d, %v:\n%s", code, err, out)
	}
	status := map[string]string{}
	for _, c := range report.Checks {
		status[c.Name] = c.Status
	}
	if status["token valid"] != "ok" || status["webhook"] != "fail" || status["claude CLI"] != "fail" {
		t.Fatalf("statuses: %v", status)
	}
}

func TestRotateTokenWhileServing(t *testing.T) {
	g, oldToken := testGitLab(t)
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "gitlab-token")
	os.WriteFile(tokenFile, []byte(oldToken+"\n"), 0o600)
	env := []string{"GITLAB_URL=" + g.URL(), "GITLAB_TOKEN_FILE=" + tokenFile, "WEBHOOK_SECRET=" + testSecret, "DATA_DIR=" + filepath.Join(dir, "data")}
	s := startService(t, env...)
	waitReady(t, s)

	rotatedAt := time.Now()
	out := runCLI(t, env, "rotate-token", "--days", "30")
	b, _ := os.ReadFile(tokenFile)
	newToken := strings.TrimSpace(string(b))
	if newToken == oldToken || !g.TokenActive(newToken) || g.TokenActive(oldToken) {
		t.Fatalf("token file not rotated (active old %v new %v):\n%s", g.TokenActive(oldToken), g.TokenActive(newToken), out)
	}
	if !strings.Contains(out, "told the running service") || strings.Contains(out, newToken) {
		t.Fatalf("rotate-token output:\n%s", out)
	}
	if !waitfor.Within(10*time.Second, func() bool { return strings.Contains(s.logs.String(), `"msg":"token reloaded"`) }) {
		t.Fatalf("no reload logged:\n%s", s.logs)
	}
	waitReady(t, s)
	// The reload checked the new token with GET /user: a call after the rotation that GitLab
	// accepted, and none refused since.
	var after, refused int
	for _, r := range g.Requests() {
		if r.Time.After(rotatedAt) && r.Path == "/api/v4/user" && r.Status == 200 {
			after++
		}
		if r.Time.After(rotatedAt) && r.Status == http.StatusUnauthorized {
			refused++
		}
	}
	if after < 2 || refused != 0 { // rotate-token's own check, and serve's
		t.Fatalf("GET /user after rotation: %d ok, %d refused", after, refused)
	}
	if strings.Contains(s.logs.String(), newToken) || strings.Contains(s.logs.String(), oldToken) {
		t.Fatal("a token appeared in the logs")
	}
	if s.sigterm() != nil {
		t.Fatalf("serve did not stop cleanly:\n%s", s.logs)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", pidFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("PID file left after exit: %v", err)
	}
}

func TestRotateTokenRefusesWhatItCannotWrite(t *testing.T) {
	g, token := testGitLab(t)
	out := runCLIErr(t, []string{"GITLAB_URL=" + g.URL(), "GITLAB_TOKEN=" + token, "DATA_DIR=" + t.TempDir()}, "rotate-token")
	if !strings.Contains(out, "--print") || !g.TokenActive(token) {
		t.Fatalf("rotate with a token from the environment must refuse before rotating:\n%s", out)
	}
	// With a .env file in the working directory, the line is rewritten in place.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".env"), []byte("GITLAB_URL="+g.URL()+"\nGITLAB_TOKEN="+token+"\nDATA_DIR="+dir+"/data\n"), 0o600)
	out, code := runCLIAt(t, dir, nil, "rotate-token")
	b, _ := os.ReadFile(filepath.Join(dir, ".env"))
	if code != 0 || strings.Contains(string(b), token) || !strings.Contains(out, "no running `serve`") || g.TokenActive(token) {
		t.Fatalf("exit %d:\n%s\n.env:\n%s", code, out, b)
	}
}

func waitReady(t *testing.T, s *service) {
	t.Helper()
	if !waitfor.Within(10*time.Second, func() bool {
		resp, err := http.Get(s.url + "/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}) {
		t.Fatalf("/ready not 200:\n%s", s.logs)
	}
}

// doctor through the binary: a .env other users can read is a warning with its fix, and a hook
// without pipeline or wiki page events fails the events check when PIPELINE_FIX or WIKI_ENABLED
// is on; once fixed as doctor says (chmod 600, setup --pipeline --wiki), both pass.
func TestDoctorWarnsOfAReadableEnvAndMissingEvents(t *testing.T) {
	g, p, env := setupWorld(t)
	env = append(env, "PIPELINE_FIX=true", "WIKI_ENABLED=true")
	dir := t.TempDir()
	envFile := filepath.Join(dir, ".env")
	if err := os.WriteFile(envFile, []byte("WEBHOOK_SECRET="+testSecret+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// setup ends with doctor's report, which fails here for other reasons (no CLI, PUBLIC_URL
	// unreachable): the hook is what counts.
	if out, _ := runCLIAt(t, dir, env, "setup", "--project", "group/proj"); len(g.Hooks(p.ID)) != 1 {
		t.Fatalf("setup made no hook:\n%s", out)
	}
	os.Chmod(envFile, 0o644) // as a user's editor may leave it
	checks := func() map[string]struct{ Status, Detail, Fix string } {
		out, _ := runCLIAt(t, dir, env, "doctor", "--project", "group/proj", "--json")
		var report struct {
			Checks []struct{ Name, Status, Detail, Fix string }
		}
		if err := json.Unmarshal([]byte(out), &report); err != nil {
			t.Fatalf("doctor --json: %v\n%s", err, out)
		}
		m := map[string]struct{ Status, Detail, Fix string }{}
		for _, c := range report.Checks {
			m[c.Name] = struct{ Status, Detail, Fix string }{c.Status, c.Detail, c.Fix}
		}
		return m
	}
	c := checks()
	if s := c["settings file"]; s.Status != "warn" || !strings.Contains(s.Fix, "chmod 600") {
		t.Fatalf("settings file check with .env 0644: %+v", s)
	}
	if s := c["webhook events"]; s.Status != "fail" || !strings.Contains(s.Detail, "pipeline events") || !strings.Contains(s.Detail, "wiki page events") ||
		!strings.Contains(s.Fix, "--pipeline --wiki") {
		t.Fatalf("webhook events check without pipeline and wiki events: %+v", s)
	}

	os.Chmod(envFile, 0o600)
	if out, _ := runCLIAt(t, dir, env, "setup", "--pipeline", "--wiki", "--project", "group/proj"); len(g.Hooks(p.ID)) != 1 || !g.Hooks(p.ID)[0].PipelineEvents {
		t.Fatalf("setup --pipeline --wiki: hooks %+v\n%s", g.Hooks(p.ID), out)
	}
	c = checks()
	if c["settings file"].Status != "ok" || c["webhook events"].Status != "ok" {
		t.Fatalf("after the fixes: settings file %+v, webhook events %+v", c["settings file"], c["webhook events"])
	}
}
