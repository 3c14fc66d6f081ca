package agent

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/egress"
)

// ModelUsage is what the run's model requests added up to, as the API reported it to the
// service's proxy (not as the CLI says): set when the run went through the proxy.
type ModelUsage struct {
	Requests     int
	InputTokens  int64
	OutputTokens int64
	CacheWrite   int64
	CacheRead    int64
	CostUSD      float64
}

// openEgress starts the run's egress (Config.Egress) when the run is sandboxed: the CLI gets the
// run's own credential and the bridge's address instead of the real credential and endpoint.
func (inv *invocation) openEgress(cfg Config, req Request, report func(Progress)) error {
	dir, err := os.MkdirTemp("", "claude-egress-")
	if err != nil {
		return fmt.Errorf("agent: egress folder: %w", err)
	}
	limits := append([]egress.Limit(nil), req.Limits...)
	if cfg.MaxBudgetUSD > 0 {
		limits = append(limits, egress.Limit{USD: cfg.MaxBudgetUSD, Name: egress.LimitRun,
			Why: fmt.Sprintf("one run may cost $%.2f (CLAUDE_MAX_BUDGET_USD)", cfg.MaxBudgetUSD)})
	}
	sess, err := egress.Open(dir, *cfg.Egress, limits, func(c egress.Call) {
		report(Progress{Kind: KindModel, Model: c.Model, Call: &c})
	})
	if err != nil {
		_ = os.RemoveAll(dir)
		return err
	}
	inv.egress = sess
	inv.env = append(withoutEndpoint(inv.env), sess.Env()...)
	prev := inv.cleanup
	inv.cleanup = func() { prev(); _ = os.RemoveAll(dir) }
	return nil
}

// withoutEndpoint drops the real credential and endpoint from the CLI's environment.
func withoutEndpoint(env []string) []string {
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !egress.IsCredential(name) && name != "ANTHROPIC_BASE_URL" {
			out = append(out, kv)
		}
	}
	return out
}

// closeEgress ends the run's egress and puts its count in the result: the cost is the
// proxy's, the CLI's own figure stays in CLICostUSD. A request refused at a limit makes the run
// a budget stop, whatever the CLI made of the refusal.
func (inv *invocation) closeEgress(res *Result, err error) error {
	if inv.egress == nil {
		return err
	}
	t := inv.egress.Close()
	inv.egress = nil
	res.CLICostUSD = res.CostUSD
	if t.Requests > 0 {
		// Every model request of the run went through the proxy: its count is the cost, whatever
		// the CLI's stdout (which a tool of the agent could forge) says. A run with none spent
		// nothing at the API; the CLI's figure stays (a stand-in CLI that calls no API).
		res.CostUSD = t.CostUSD
	}
	res.Model = &ModelUsage{Requests: t.Requests, InputTokens: t.Usage.InputTokens, OutputTokens: t.Usage.OutputTokens,
		CacheWrite: t.Usage.CacheWrite, CacheRead: t.Usage.CacheRead, CostUSD: t.CostUSD}
	if t.Refused != nil {
		sentinel := ErrBudget
		if t.Refused.Name == egress.LimitDaily {
			sentinel = ErrDailyBudget
		}
		return fmt.Errorf("%w: %s; the service refused further model requests at $%.4f", sentinel, t.Refused.Why, t.CostUSD)
	}
	return err
}

// serialized makes progress safe to call from the reader and from the egress at once.
func serialized(progress func(Progress)) func(Progress) {
	var mu sync.Mutex
	return func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		progress(p)
	}
}
