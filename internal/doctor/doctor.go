// Package doctor runs the checks a person would otherwise do by hand when the bot does not
// answer: GitLab reachable, token valid and not expiring, scopes, the bot's rights on a project,
// the webhook, the Claude CLI, git, the data directory, the database and our own endpoint. Each
// check is a small function returning Results with a one-line fix.
package doctor

import (
	"context"
	"net/http"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
)

// Status is a check's outcome.
type Status string

// The outcomes. Skip is a check that could not run (GitLab unreachable, not allowed to read).
const (
	OK   Status = "ok"
	Warn Status = "warn"
	Fail Status = "fail"
	Skip Status = "skip"
)

// Result is one check's outcome. Fix is set whenever Status is not OK.
type Result struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// Options are what the checks look at.
type Options struct {
	Settings config.Config
	GitLab   *gitlab.Client
	Project  string // path with namespace; empty: no per-project checks
	HookURL  string // the webhook URL to expect; default PUBLIC_URL/webhook
	Now      func() time.Time
	HTTP     *http.Client // for our own /health; a 5 s client when nil
}

// doctor carries what earlier checks learnt to the later ones.
type doctor struct {
	o       Options
	reached bool   // GitLab answered at all
	version string // what GET /version said ("" when hidden)
	token   *gitlab.TokenInfo
	user    *gitlab.User
	project *gitlab.Project
}

// Run runs every check in order: GitLab and the token, the project (if one is given), the
// machine. It never fails: what goes wrong is in the results.
func Run(ctx context.Context, o Options) []Result {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HTTP == nil {
		o.HTTP = &http.Client{Timeout: 5 * time.Second}
	}
	if o.HookURL == "" && o.Settings.PublicURL != "" {
		o.HookURL = o.Settings.PublicURL + "/webhook"
	}
	d := &doctor{o: o}
	var out []Result
	out = append(out, d.reachable(ctx), d.versionFeatures(), d.tokenValid(ctx), d.tokenExpiry())
	out = append(out, d.tokenScopes()...)
	out = append(out, d.identity(ctx))
	out = append(out, d.intake(ctx)...)
	if o.Project != "" {
		out = append(out, d.projectFound(ctx))
		out = append(out, d.accessLevel(ctx), d.defaultBranchPush(ctx), d.pushRules(ctx))
		if o.Settings.Webhooks() {
			out = append(out, d.webhook(ctx)...)
		}
	}
	out = append(out, d.claudeCLI(ctx), d.anthropicCredential(), d.agentSandbox(ctx), d.agentNetwork(ctx), d.git(ctx), d.dataDir(), d.database(ctx))
	out = append(out, d.envFile()...)
	out = append(out, d.publicEndpoint(ctx)...)
	return out
}

// Failed reports whether any result is a failure (the command then exits 1).
func Failed(results []Result) bool {
	for _, r := range results {
		if r.Status == Fail {
			return true
		}
	}
	return false
}

func ok(name, detail string) Result { return Result{Name: name, Status: OK, Detail: detail} }

func warn(name, detail, fix string) Result {
	return Result{Name: name, Status: Warn, Detail: detail, Fix: fix}
}

func fail(name, detail, fix string) Result {
	return Result{Name: name, Status: Fail, Detail: detail, Fix: fix}
}

func skip(name, detail, fix string) Result {
	return Result{Name: name, Status: Skip, Detail: detail, Fix: fix}
}
