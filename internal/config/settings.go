package config

import (
	"net"
	"strconv"
	"strings"
	"time"
)

// Setting documents one environment variable for --help and .env.example.
type Setting struct{ Name, Default, Meaning string }

// Settings lists every setting, in the order --help shows them.
var Settings = []Setting{
	{"GITLAB_URL", "https://gitlab.com", "GitLab instance (GITLAB_BASE_URL accepted)"},
	{"GITLAB_TOKEN", "(required for serve)", "access token of the bot user (or GITLAB_TOKEN_FILE)"},
	{"WEBHOOK_SECRET", "(required for serve)", "the webhook's secret token, sent as X-Gitlab-Token (or WEBHOOK_SECRET_FILE)"},
	{"WEBHOOK_SIGNING_TOKEN", "", "whsec_... signing token: also verify GitLab's signed-webhook headers"},
	{"PORT", "3000", "listen port"},
	{"LISTEN_ADDR", ":PORT", "full listen address, wins over PORT"},
	{"TLS_CERT_FILE, TLS_KEY_FILE", "", "serve HTTPS directly"},
	{"PUBLIC_URL", "", "how GitLab and users reach the service (links, setup default)"},
	{"INTAKE", "webhook with PUBLIC_URL, else poll (both with WEBHOOK_SECRET)", "webhook, poll (the bot's To-Do list: no inbound connection) or both"},
	{"POLL_INTERVAL", "10s", "how often poll mode reads the bot's To-Do list"},
	{"DATA_DIR", "./data", "SQLite database, repository cache, job logs"},
	{"DATABASE_URL", "", "postgres://... switches to PostgreSQL"},
	{"WORKERS", "2", "agent runs at once"},
	{"TRIGGER_PHRASE", "@claude", "the mention that triggers; the bot's own @username also does"},
	{"LABEL_TRIGGER", "claude", "adding this label to an issue or MR asks for a run (its description is the request); the bot removes it when done; empty: off"},
	{"MIN_ACCESS_LEVEL", "30", "least access level that may trigger (30 = Developer)"},
	{"ALLOWED_USERS", "", "users (names or ids) that may trigger whatever their level, resolved to ids at start"},
	{"ALLOWED_PROJECTS", "", "allow-list of project paths or groups (group/*), resolved to ids at start"},
	{"ALLOWED_BOTS", "", "bot users (names or ids) that may trigger; other bots are ignored"},
	{"CONFIDENTIAL_CHANGES", "refuse", "allow: code changes from confidential issues of non-private projects"},
	{"GITLAB_USE_MR", "false", "never push to an existing branch unasked; open an MR"},
	{"GITLAB_AUTO_MERGE", "false", "set MRs it opens to merge when the pipeline succeeds"},
	{"AUTO_REVIEW", "false", "review every MR when opened, marked ready or pushed to (not drafts)"},
	{"BRANCH_PREFIX", "claude/", "prefix of branches it creates"},
	{"PIPELINE_FIX", "false", "fix failed pipelines on its own branches with an open MR (needs Pipeline events on the webhook)"},
	{"PIPELINE_FIX_ATTEMPTS", "2", "fixes of failed pipelines per MR before it asks a human for help"},
	{"WIKI_ENABLED", "false", "edit wiki pages that ask for it with the trigger phrase (needs Wiki page events on the webhook)"},
	{"CLAUDE_PATH", "claude", "the Claude Code CLI"},
	{"CLAUDE_MODEL", "", "model for the CLI (its default when empty)"},
	{"CLAUDE_MAX_TURNS", "30", "most agent turns in one run"},
	{"CLAUDE_TIMEOUT", "20m", "longest agent run"},
	{"CLAUDE_ALLOWED_TOOLS", DefaultAllowedTools, "tools the agent may use (comma-separated)"},
	{"CLAUDE_MAX_BUDGET_USD", "", "stop a run that would cost more (USD)"},
	{"AGENT_SANDBOX", "the strongest that works", "bwrap (namespaces), user (AGENT_USER) or none (unconfined: only when set)"},
	{"AGENT_USER", "claude-agent", "the agent's unprivileged OS user in the user sandbox"},
	{"AGENT_NETWORK", "model", "model: the agent reaches only the model API, through the service (which holds the real credential); allowlist: also AGENT_EGRESS_ALLOW; full: the host's network (warned)"},
	{"AGENT_EGRESS_ALLOW", "", "with AGENT_NETWORK=allowlist: host names the agent may reach (comma-separated; *.example.com for subdomains); never private addresses"},
	{"AGENT_MEMORY_MB", "4096", "memory of one agent run (needs cgroups)"},
	{"AGENT_CPU_SECONDS", "3600", "CPU time of one agent run"},
	{"AGENT_MAX_PROCS", "512", "processes and threads of one agent run at once"},
	{"AGENT_DISK_MB", "2048", "disk use of one run's worktree and HOME; also the largest file"},
	{"ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN, CLAUDE_CODE_OAUTH_TOKEN, ANTHROPIC_BASE_URL, ANTHROPIC_MODEL", "", "passed to the CLI only"},
	{"GITLAB_RATE_LIMIT", "2000", "outbound GitLab API requests per minute"},
	{"GITLAB_TIMEOUT", "30s", "longest wait for one GitLab API answer before it is retried"},
	{"WEBHOOK_RATE_LIMIT", "100", "deliveries failing authentication per second per source address (0 = off)"},
	{"WEBHOOK_MAX_INFLIGHT", "1000", "authenticated deliveries handled at once; past it answered 200 \"shed\" and counted"},
	{"WEBHOOK_SIGNING", "auto", "auto: signatures enforced once GitLab is seen signing; require: always"},
	{"MAX_PAYLOAD_BYTES", "26214400", "larger webhook bodies get 413"},
	{"SHUTDOWN_TIMEOUT", "10m", "how long SIGTERM waits for running jobs"},
	{"LOG_LEVEL", "info", "debug, info, warn, error"},
	{"LOG_FORMAT", "text on a terminal, else json", "text or json"},
	{"GITLAB_DEBUG", "false", "log every GitLab API call (never tokens)"},
	{"ADMIN_TOKEN", "", "operator's token for /jobs and every job page (or ADMIN_TOKEN_FILE); empty: no list"},
	{"METRICS_TOKEN", "", "if set, /metrics requires it as a bearer token (or METRICS_TOKEN_FILE)"},
	{"JOB_RETENTION", "720h", "how long job transcripts are kept"},
	{"JOB_GIVE_UP", "24h", "how long a job that fails for a passing reason (GitLab away) keeps trying"},
	{"SESSION_MAX_AGE", "168h", "a thread's Claude session older than this is not resumed"},
	{"PROJECT_DAILY_BUDGET_USD", "", "what one project's runs may cost per day (UTC); new requests are refused past it"},
}

// DefaultAllowedTools lets the agent read and edit files in its worktree, look at git history and
// use the service's GitLab tools (mcp__gitlab).
const DefaultAllowedTools = "Read,Write,Edit,Glob,Grep,LS,Bash(git diff *),Bash(git log *),Bash(git status *),mcp__gitlab"

// AgentEnvNames are the only settings passed to the Claude CLI.
// CLAUDE_CODE_MAX_RETRIES and API_TIMEOUT_MS tune the CLI's own API retries.
var AgentEnvNames = []string{"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN", "ANTHROPIC_BASE_URL", "ANTHROPIC_MODEL",
	"CLAUDE_CODE_MAX_RETRIES", "API_TIMEOUT_MS"}

func (r *reader) config() Config {
	var c Config
	c.GitLabURL = r.url("https://gitlab.com", "GITLAB_URL", "GITLAB_BASE_URL")
	c.GitLabToken, c.GitLabTokenFile = r.secret("GITLAB_TOKEN")
	c.WebhookSecret, c.WebhookSecretFile = r.secret("WEBHOOK_SECRET")
	c.WebhookSigningToken, _ = r.secret("WEBHOOK_SIGNING_TOKEN")
	c.WebhookSigning = r.oneOf("WEBHOOK_SIGNING", "auto", "auto", "require")
	c.ListenAddr = r.listenAddr()
	c.TLSCertFile = r.str("", "TLS_CERT_FILE")
	c.TLSKeyFile = r.str("", "TLS_KEY_FILE")
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		r.fail("TLS_CERT_FILE", "TLS_CERT_FILE and TLS_KEY_FILE must be set together")
	}
	c.PublicURL = r.url("", "PUBLIC_URL")
	c.Intake = r.oneOf("INTAKE", defaultIntake(c.PublicURL, c.WebhookSecret), IntakeWebhook, IntakePoll, IntakeBoth)
	c.PollInterval = r.duration("POLL_INTERVAL", 10*time.Second)
	if c.PollInterval < time.Second {
		r.fail("POLL_INTERVAL", "must be at least 1s")
	}
	c.DataDir = r.str("./data", "DATA_DIR")
	c.DatabaseURL = r.str("", "DATABASE_URL")
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		r.fail("DATABASE_URL", "must start with postgres:// (leave it empty for the embedded SQLite database)")
	}
	c.Workers = r.integer("WORKERS", 2, 1, 256)
	c.TriggerPhrase = r.str("@claude", "TRIGGER_PHRASE")
	c.LabelTrigger = r.str("claude", "LABEL_TRIGGER")
	c.MinAccessLevel = r.level("MIN_ACCESS_LEVEL", 30)
	c.AllowedUsers = r.list("ALLOWED_USERS")
	c.AllowedProjects = r.list("ALLOWED_PROJECTS")
	c.AllowedBots = r.list("ALLOWED_BOTS")
	c.ConfidentialChanges = r.str("refuse", "CONFIDENTIAL_CHANGES")
	if c.ConfidentialChanges != "refuse" && c.ConfidentialChanges != "allow" {
		r.fail("CONFIDENTIAL_CHANGES", "must be refuse or allow, not %q", c.ConfidentialChanges)
	}
	c.UseMR = r.boolean("GITLAB_USE_MR", false)
	c.AutoMerge = r.boolean("GITLAB_AUTO_MERGE", false)
	c.AutoReview = r.boolean("AUTO_REVIEW", false)
	c.BranchPrefix = r.str("claude/", "BRANCH_PREFIX")
	c.PipelineFix = r.boolean("PIPELINE_FIX", false)
	c.PipelineFixAttempts = r.integer("PIPELINE_FIX_ATTEMPTS", 2, 1, 100)
	c.WikiEnabled = r.boolean("WIKI_ENABLED", false)
	r.agent(&c)
	r.agentSandbox(&c)
	c.GitLabRateLimit = r.integer("GITLAB_RATE_LIMIT", 2000, 1, 1_000_000)
	c.GitLabTimeout = r.duration("GITLAB_TIMEOUT", 30*time.Second)
	c.WebhookRateLimit = r.number("WEBHOOK_RATE_LIMIT", 100, 0)
	c.WebhookMaxInFlight = r.integer("WEBHOOK_MAX_INFLIGHT", 1000, 1, 1_000_000)
	c.MaxPayloadBytes = int64(r.integer("MAX_PAYLOAD_BYTES", 26214400, 1024, 1<<30))
	c.ShutdownTimeout = r.duration("SHUTDOWN_TIMEOUT", 10*time.Minute)
	c.JobHeartbeat = r.duration("JOB_HEARTBEAT", 15*time.Second)
	c.JobStaleAfter = r.duration("JOB_STALE_AFTER", 60*time.Second)
	if c.JobStaleAfter < 2*c.JobHeartbeat {
		r.fail("JOB_STALE_AFTER", "must be at least twice JOB_HEARTBEAT, or live jobs would be taken over")
	}
	c.LogLevel = r.oneOf("LOG_LEVEL", "info", "debug", "info", "warn", "error")
	c.LogFormat = r.oneOf("LOG_FORMAT", "", "text", "json")
	c.GitLabDebug = r.boolean("GITLAB_DEBUG", false)
	c.MetricsToken, _ = r.secret("METRICS_TOKEN")
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		r.fail("METRICS_TOKEN", "is shorter than 16 characters: choose a long random value, e.g. `openssl rand -hex 32`")
	}
	c.AdminToken, _ = r.secret("ADMIN_TOKEN")
	if c.AdminToken != "" && len(c.AdminToken) < 16 {
		r.fail("ADMIN_TOKEN", "is shorter than 16 characters: choose a long random value, e.g. `openssl rand -hex 32`")
	}
	c.JobRetention = r.duration("JOB_RETENTION", 720*time.Hour)
	c.JobGiveUp = r.duration("JOB_GIVE_UP", 24*time.Hour)
	c.JobRetryDelays = r.durations("JOB_RETRY_DELAYS") // hidden: tests shorten the waits between tries
	c.SessionMaxAge = r.duration("SESSION_MAX_AGE", 7*24*time.Hour)
	c.ProjectDailyBudgetUSD = r.number("PROJECT_DAILY_BUDGET_USD", 0, 0)
	return c
}

func (r *reader) agent(c *Config) {
	c.ClaudePath = r.str("claude", "CLAUDE_PATH")
	c.ClaudeModel = r.str("", "CLAUDE_MODEL")
	c.ClaudeMaxTurns = r.integer("CLAUDE_MAX_TURNS", 30, 1, 1000)
	c.ClaudeTimeout = r.duration("CLAUDE_TIMEOUT", 20*time.Minute)
	c.ClaudeAllowedTools = r.list("CLAUDE_ALLOWED_TOOLS")
	if c.ClaudeAllowedTools == nil {
		c.ClaudeAllowedTools = strings.Split(DefaultAllowedTools, ",")
	}
	c.ClaudeMaxBudgetUSD = r.number("CLAUDE_MAX_BUDGET_USD", 0, 0)
	for _, name := range AgentEnvNames {
		if v, ok := r.raw(name); ok {
			c.AgentEnv = append(c.AgentEnv, name+"="+v)
		}
	}
}

func (r *reader) listenAddr() string {
	if v := r.str("", "LISTEN_ADDR"); v != "" {
		if _, _, err := net.SplitHostPort(v); err != nil {
			r.fail("LISTEN_ADDR", "%q is not host:port such as :3000 or 127.0.0.1:3000", v)
		}
		return v
	}
	port := r.integer("PORT", 3000, 1, 65535)
	return ":" + strconv.Itoa(port)
}

func (r *reader) oneOf(name, def string, allowed ...string) string {
	v := strings.ToLower(r.str(def, name))
	if v == def {
		return v
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	r.fail(name, "%q is not one of %s", v, strings.Join(allowed, ", "))
	return def
}
