package doctor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
)

// cliVersion is the Claude Code CLI release the service is tested with.
const cliVersion = "2.1.328"

const installCLI = "install it: npm install -g @anthropic-ai/claude-code@" + cliVersion +
	" (or scripts/install.sh), or set CLAUDE_PATH to its full path"

func (d *doctor) claudeCLI(ctx context.Context) Result {
	const name = "claude CLI"
	path, err := exec.LookPath(d.o.Settings.ClaudePath)
	if err != nil {
		return cliMissing(d.o.Settings.ClaudePath)
	}
	out, err := runVersion(ctx, path)
	if err != nil {
		return fail(name, fmt.Sprintf("%s --version failed: %v", path, err), "reinstall it; "+installCLI)
	}
	detail := path + ", " + out
	if !strings.Contains(out, cliVersion) {
		return warn(name, detail, "the service is tested with "+cliVersion+": npm install -g @anthropic-ai/claude-code@"+cliVersion)
	}
	return ok(name, detail)
}

// runVersion runs `prog --version` with a minimal environment and a deadline: a CLI that hangs
// at start would hang every job too.
func runVersion(ctx context.Context, prog string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, "--version")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(), "DISABLE_AUTOUPDATER=1",
		"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1"}
	out, err := cmd.Output()
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line, nil
}

func cliMissing(path string) Result {
	return fail("claude CLI", fmt.Sprintf("%q not found on PATH", path), installCLI)
}

func (d *doctor) anthropicCredential() Result { return anthropicCredential(d.o.Settings) }

func anthropicCredential(cfg config.Config) Result {
	const name = "Anthropic credential"
	for _, kv := range cfg.AgentEnv {
		k, v, _ := strings.Cut(kv, "=")
		if v != "" && (k == "ANTHROPIC_API_KEY" || k == "ANTHROPIC_AUTH_TOKEN" || k == "CLAUDE_CODE_OAUTH_TOKEN") {
			return ok(name, k+" is set")
		}
	}
	return fail(name, "none of ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN, CLAUDE_CODE_OAUTH_TOKEN is set: every run ends \"Not logged in\"",
		"put ANTHROPIC_API_KEY=… (from console.anthropic.com) or CLAUDE_CODE_OAUTH_TOKEN=… (`claude setup-token`) in .env")
}

// envFile warns when the .env file (the bot's token, the webhook secret) can be read by other
// users of the machine; nil when settings come from the environment alone.
func (d *doctor) envFile() []Result {
	const name = "settings file"
	path := d.o.Settings.EnvFile
	if path == "" {
		return nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return []Result{skip(name, err.Error(), "run doctor from the folder that holds .env")}
	}
	if perm := st.Mode().Perm(); perm&0o044 != 0 {
		return []Result{warn(name, fmt.Sprintf("%s is readable by other users (mode %04o): it holds the bot's token and the webhook secret", path, perm),
			"chmod 600 "+path)}
	}
	return []Result{ok(name, path+" is readable by its owner only")}
}

func (d *doctor) git(ctx context.Context) Result {
	path, err := exec.LookPath("git")
	if err != nil {
		return fail("git", "git not found on PATH", "install git (apt-get install git)")
	}
	out, err := runVersion(ctx, path)
	if err != nil {
		return fail("git", "git --version failed: "+err.Error(), "reinstall git")
	}
	return ok("git", out)
}

// Free space below these is a warning and a failure: clones and worktrees live in DATA_DIR.
const (
	lowSpace    = 1 << 30
	tooLowSpace = 100 << 20
)

func (d *doctor) dataDir() Result {
	const name = "data directory"
	dir, _ := filepath.Abs(d.o.Settings.DataDir)
	existing, note := nearestExisting(dir)
	f, err := os.CreateTemp(existing, ".doctor-*")
	if err != nil {
		return fail(name, fmt.Sprintf("cannot write in %s: %v", existing, errors.Unwrap(err)),
			"make DATA_DIR writable by the service's user (chown), or point DATA_DIR elsewhere")
	}
	f.Close()
	os.Remove(f.Name())
	free, ferr := freeBytes(existing)
	if ferr != nil {
		return ok(name, dir+" writable"+note)
	}
	detail := fmt.Sprintf("%s writable%s, %s free", dir, note, bytesText(free))
	switch {
	case free < tooLowSpace:
		return fail(name, detail, "free disk space: repository clones and job logs live in DATA_DIR")
	case free < lowSpace:
		return warn(name, detail, "free disk space: repository clones and job logs live in DATA_DIR")
	}
	return ok(name, detail)
}

// nearestExisting is dir, or its closest existing parent: serve creates DATA_DIR when missing.
func nearestExisting(dir string) (string, string) {
	for p := dir; ; p = filepath.Dir(p) {
		if _, err := os.Stat(p); err == nil {
			if p == dir {
				return p, ""
			}
			return p, " (not created yet; serve creates it)"
		}
		if p == filepath.Dir(p) {
			return p, ""
		}
	}
}

func bytesText(n uint64) string {
	if n >= 1<<30 {
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	}
	return fmt.Sprintf("%d MiB", n>>20)
}

func (d *doctor) database(ctx context.Context) Result {
	const name = "database"
	var path string
	var v int
	var err error
	if url := d.o.Settings.DatabaseURL; url != "" {
		path = store.Describe(url)
		v, err = store.InspectPostgres(ctx, url)
	} else {
		path, v, err = store.Inspect(ctx, d.o.Settings.DataDir)
	}
	switch {
	case errors.Is(err, store.ErrNoDatabase) && d.o.Settings.DatabaseURL != "":
		return warn(name, path+" holds no claude-gitlab tables yet", "run `claude-gitlab migrate` (serve also migrates at start)")
	case errors.Is(err, store.ErrNoDatabase):
		return warn(name, path+" does not exist yet", "run `claude-gitlab migrate` (serve also creates it at start)")
	case err != nil && d.o.Settings.DatabaseURL != "":
		return fail(name, err.Error(), "check DATABASE_URL and that PostgreSQL is running and reachable (psql \"$DATABASE_URL\")")
	case err != nil:
		return fail(name, err.Error(), "check DATA_DIR's permissions; if the file is damaged, restore it from a backup")
	case v < store.SchemaVersion():
		return warn(name, fmt.Sprintf("%s at schema version %d, this build needs %d", path, v, store.SchemaVersion()),
			"run `claude-gitlab migrate` (serve also migrates at start)")
	case v > store.SchemaVersion():
		return fail(name, fmt.Sprintf("%s at schema version %d, newer than this build knows (%d)", path, v, store.SchemaVersion()),
			"run the newer claude-gitlab that migrated it")
	}
	return ok(name, fmt.Sprintf("%s, schema version %d", path, v))
}
