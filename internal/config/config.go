// Package config reads the service's settings once at start. Nothing else in the service reads
// the environment: the Config value is passed down.
package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// Config is every setting of the service. Names of the environment variables are in Settings.
type Config struct {
	GitLabURL           string
	GitLabToken         string
	GitLabTokenFile     string // where the token was read from, if a file (rotate-token writes it back)
	WebhookSecret       string
	WebhookSigningToken string
	WebhookSigning      string // WEBHOOK_SIGNING: auto (enforce once GitLab is seen signing) or require
	ListenAddr          string
	TLSCertFile         string
	TLSKeyFile          string
	PublicURL           string
	Intake              string        // INTAKE: IntakeWebhook, IntakePoll or IntakeBoth
	PollInterval        time.Duration // POLL_INTERVAL: how often the To-Do list is read
	DataDir             string
	DatabaseURL         string
	Workers             int
	TriggerPhrase       string
	LabelTrigger        string // LABEL_TRIGGER: adding this label asks; empty: off
	MinAccessLevel      int
	AllowedUsers        []string
	AllowedProjects     []string
	AllowedBots         []string // ALLOWED_BOTS: bot users that may trigger (names or ids)
	ConfidentialChanges string   // CONFIDENTIAL_CHANGES: refuse or allow code changes from confidential issues of non-private projects
	UseMR               bool
	AutoMerge           bool
	AutoReview          bool // AUTO_REVIEW: review MRs on open, ready and new commits
	BranchPrefix        string
	PipelineFix         bool // PIPELINE_FIX: fix failed pipelines on the bot's branches
	PipelineFixAttempts int  // PIPELINE_FIX_ATTEMPTS: fixes per MR before asking a human
	WikiEnabled         bool // WIKI_ENABLED: edit wiki pages that ask for it

	ClaudePath         string
	ClaudeModel        string
	ClaudeMaxTurns     int
	ClaudeTimeout      time.Duration
	ClaudeAllowedTools []string
	ClaudeMaxBudgetUSD float64
	// AgentEnv holds the Anthropic credential and endpoint settings as KEY=VALUE: the only
	// settings of ours the agent sees.
	AgentEnv []string

	AgentSandbox     string // bwrap, user, none; empty: the strongest that works (internal/sandbox)
	AgentUser        string
	AgentNetwork     string   // model (default), allowlist, full
	AgentEgressAllow []string // AGENT_EGRESS_ALLOW: host names the agent may reach with allowlist
	AgentMemoryMB    int
	AgentCPUSeconds  int
	AgentMaxProcs    int
	AgentDiskMB      int
	// WebhookSecretFile is where the webhook secret was read from, if a file: the sandbox's user
	// mode keeps it unreadable to the agent.
	WebhookSecretFile string

	GitLabRateLimit  int
	GitLabTimeout    time.Duration
	WebhookRateLimit float64
	// WebhookMaxInFlight: authenticated deliveries handled at once; past it they are shed (2xx).
	WebhookMaxInFlight int
	MaxPayloadBytes    int64
	ShutdownTimeout    time.Duration
	// With several replicas (PostgreSQL), a running job beats every JobHeartbeat, and one whose
	// beat is older than JobStaleAfter is taken over by another replica. Hidden settings
	// JOB_HEARTBEAT and JOB_STALE_AFTER (docs/deploy.md); tests shorten them.
	JobHeartbeat  time.Duration
	JobStaleAfter time.Duration
	// A job failing for a passing reason tries again after JobRetryDelays (hidden setting
	// JOB_RETRY_DELAYS; empty: the queue's 5 s … 10 min) until JOB_GIVE_UP after its first failure.
	JobGiveUp      time.Duration
	JobRetryDelays []time.Duration
	LogLevel       string
	LogFormat      string
	GitLabDebug    bool

	// The job page and budgets: ADMIN_TOKEN opens every job page and the list, transcripts are
	// kept JobRetention, and a project's runs of one day (UTC) may cost ProjectDailyBudgetUSD.
	AdminToken            string
	MetricsToken          string // METRICS_TOKEN: /metrics requires it as a bearer token
	JobRetention          time.Duration
	ProjectDailyBudgetUSD float64
	// SessionMaxAge: a thread's Claude session older than this is not resumed (SESSION_MAX_AGE).
	SessionMaxAge time.Duration

	// EnvFile is the .env file that was read, if any.
	EnvFile string
}

// Lookup finds a setting by name; os.LookupEnv in production, a map in tests.
type Lookup func(name string) (string, bool)

// Load reads the settings from lookup, falling back to the KEY=VALUE lines of envFile (real
// environment wins). A missing envFile is fine. requireGitLab says whether GITLAB_TOKEN and
// WEBHOOK_SECRET must be set (serve) or may be empty (demo, version, jobs).
func Load(lookup Lookup, envFile string, requireGitLab bool) (Config, error) {
	fileVals, err := readEnvFile(envFile)
	if err != nil {
		return Config{}, err
	}
	r := reader{lookup: lookup, file: fileVals}
	cfg := r.config()
	if len(fileVals) > 0 {
		cfg.EnvFile = envFile
	}
	if r.err == nil && requireGitLab {
		r.err = cfg.requireGitLab()
	}
	if r.err != nil {
		return Config{}, r.err
	}
	return cfg, nil
}

func (cfg Config) requireGitLab() error {
	if cfg.GitLabToken == "" {
		return errors.New("GITLAB_TOKEN is not set: create a personal, project or group access token for the bot user with the api scope and put GITLAB_TOKEN=... in .env (or set GITLAB_TOKEN_FILE)")
	}
	if cfg.WebhookSecret == "" && cfg.Intake == IntakePoll {
		return nil // no webhook: nothing to check deliveries against
	}
	if cfg.WebhookSecret == "" {
		return errors.New("WEBHOOK_SECRET is not set: choose a long random string (e.g. `openssl rand -hex 32`), put WEBHOOK_SECRET=... in .env and use the same value as the webhook's secret token in GitLab")
	}
	return CheckWebhookSecret(cfg.WebhookSecret)
}

// MinWebhookSecretLen is the least length of WEBHOOK_SECRET: the token is all that tells GitLab's
// deliveries from anyone's, and a short one can be guessed.
const MinWebhookSecretLen = 32

// CheckWebhookSecret refuses a secret shorter than MinWebhookSecretLen, saying how to make one.
func CheckWebhookSecret(secret string) error {
	if n := len(secret); n < MinWebhookSecretLen {
		return fmt.Errorf("WEBHOOK_SECRET is %d characters long; use at least %d random ones: make one with `openssl rand -hex 32`, put WEBHOOK_SECRET=... in .env, and run `claude-gitlab setup` (or set the same value as the webhook's secret token in GitLab)", n, MinWebhookSecretLen)
	}
	return nil
}

// Intake modes: how requests reach the service.
const (
	IntakeWebhook = "webhook" // GitLab's webhooks (needs a URL GitLab can reach)
	IntakePoll    = "poll"    // the bot's To-Do list, read every POLL_INTERVAL
	IntakeBoth    = "both"
)

// defaultIntake: webhooks when GitLab can reach us (PUBLIC_URL set), else the To-Do list, and
// both when a webhook secret says a webhook was set up by hand without PUBLIC_URL (it keeps
// working after an upgrade).
func defaultIntake(publicURL, webhookSecret string) string {
	switch {
	case publicURL != "":
		return IntakeWebhook
	case webhookSecret != "":
		return IntakeBoth
	}
	return IntakePoll
}

// Polls says whether the To-Do list is read; Webhooks whether /webhook takes deliveries.
func (cfg Config) Polls() bool    { return cfg.Intake == IntakePoll || cfg.Intake == IntakeBoth }
func (cfg Config) Webhooks() bool { return cfg.Intake != IntakePoll }

// HasToken says whether a GitLab token is configured (then the default command is serve, else demo).
func (cfg Config) HasToken() bool { return cfg.GitLabToken != "" }

// Secrets lists every secret value the service knows, for redaction.
func (cfg Config) Secrets() []string {
	s := []string{cfg.GitLabToken, cfg.WebhookSecret, cfg.WebhookSigningToken, cfg.AdminToken, cfg.MetricsToken}
	for _, kv := range cfg.AgentEnv {
		name, val, _ := strings.Cut(kv, "=")
		if isSecretName(name) {
			s = append(s, val)
		}
	}
	return s
}

func isSecretName(name string) bool {
	return strings.Contains(name, "KEY") || strings.Contains(name, "TOKEN")
}

// EnvFileFromOS is the default lookup: the process environment.
func EnvFileFromOS(name string) (string, bool) { return os.LookupEnv(name) }
