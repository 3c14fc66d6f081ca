package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
)

func runJobs(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "jobs", "list [--state S] [--limit N] | show ID | retry ID | cancel ID  [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	state := fs.String("state", "", "only jobs in these states (comma-separated): "+jobstate.Names())
	limit := fs.Int("limit", 50, "most jobs to list")
	sub, rest := "list", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, rest = args[0], args[1:]
	}
	pos, err := parseInterleaved(fs, rest)
	if err != nil {
		return err
	}
	var states []jobstate.Status
	if *state != "" {
		for _, s := range strings.Split(*state, ",") {
			st, err := jobstate.Parse(s)
			if err != nil {
				return fmt.Errorf("jobs list --state: %w", err)
			}
			states = append(states, st)
		}
	}
	cfg, err := config.Load(env.lookup, env.envFile, false)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	q, err := queue.Open(ctx, db, queue.Options{})
	if err != nil {
		return err
	}
	if sub == "list" {
		jobs, err := q.List(ctx, *limit, states...)
		if err != nil {
			return err
		}
		costs, err := jobCosts(ctx, db, jobs)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(env.stdout, withCosts(jobs, costs))
		}
		printJobTable(env.stdout, jobs, costs)
		return nil
	}
	return jobAction(ctx, env, q, sub, pos, *asJSON)
}

// parseInterleaved parses flags wherever they stand, so that `jobs show 7 --json` works like
// `jobs show --json 7` (the flag package stops at the first argument).
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos, args = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
}

func jobAction(ctx context.Context, env *environment, q *queue.Queue, sub string, args []string, asJSON bool) error {
	actions := map[string]func(context.Context, int64) (queue.Info, error){"show": q.Get, "retry": q.Retry, "cancel": q.Cancel}
	act, ok := actions[sub]
	if !ok {
		return fmt.Errorf("jobs: unknown sub-command %q (list, show, retry, cancel)", sub)
	}
	if len(args) != 1 {
		return fmt.Errorf("jobs %s: give one job id", sub)
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil {
		return fmt.Errorf("jobs %s: %q is not a job id", sub, args[0])
	}
	in, err := act(ctx, id)
	if err != nil {
		return err
	}
	if sub == "cancel" && in.Status == jobstate.Running {
		in, err = waitStopped(ctx, q, in)
		if err != nil {
			return err
		}
	}
	if asJSON {
		return printJSON(env.stdout, in)
	}
	printJob(env.stdout, in)
	return nil
}

func printJobTable(w io.Writer, jobs []queue.Info, costs map[int64]float64) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tTRY\tAGE\tCOST\tPROJECT\tTHREAD\tAUTHOR\tREQUEST")
	for _, j := range jobs {
		cost := "-"
		if c, ok := costs[j.ID]; ok {
			cost = fmt.Sprintf("$%.4f", c)
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\t%s\t@%s\t%s\n", j.ID, j.Status, j.Attempt,
			age(j.CreatedAt), cost, j.Request.Project.Path, j.Request.Thread.Ref(), j.Request.Author.Username, oneLine(j.Request.Text, 50))
	}
	tw.Flush()
	if len(jobs) == 0 {
		fmt.Fprintln(w, "(no jobs)")
	}
}

func printJob(w io.Writer, j queue.Info) {
	fmt.Fprintf(w, "Job %d: %s (try %d)\n", j.ID, j.Status, j.Attempt)
	if j.Outcome != "" {
		fmt.Fprintf(w, "Outcome:  %s\n", j.Outcome)
	}
	fmt.Fprintf(w, "Created:  %s\n", j.CreatedAt.Format(time.RFC3339))
	if j.FinalizedAt != nil {
		fmt.Fprintf(w, "Finished: %s\n", j.FinalizedAt.Format(time.RFC3339))
	}
	fmt.Fprintf(w, "Project:  %s\nThread:   %s %s\nAuthor:   @%s\nReason:   %s\nURL:      %s\n",
		j.Request.Project.Path, j.Request.Thread.Ref(), j.Request.Thread.Title, j.Request.Author.Username, j.Request.Reason, j.Request.URL)
	fmt.Fprintf(w, "Request:\n  %s\n", strings.ReplaceAll(j.Request.Text, "\n", "\n  "))
	for i, e := range j.Errors {
		fmt.Fprintf(w, "Error %d:  %s\n", i+1, e)
	}
}

func age(t time.Time) string {
	d := time.Since(t).Round(time.Second)
	if d > 48*time.Hour {
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
	return d.String()
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// jobCosts reads what the agent runs of the listed jobs cost (jobs that ran none have no entry).
func jobCosts(ctx context.Context, db *store.DB, jobs []queue.Info) (map[int64]float64, error) {
	ids := make([]int64, len(jobs))
	for i, j := range jobs {
		ids[i] = j.ID
	}
	return db.JobCosts(ctx, ids)
}

// jobWithCost is a job of `jobs list --json` with its cost in USD, when it ran the agent.
type jobWithCost struct {
	queue.Info
	CostUSD *float64 `json:"cost_usd,omitempty"`
}

func withCosts(jobs []queue.Info, costs map[int64]float64) []jobWithCost {
	out := make([]jobWithCost, len(jobs))
	for i, j := range jobs {
		out[i].Info = j
		if c, ok := costs[j.ID]; ok {
			out[i].CostUSD = &c
		}
	}
	return out
}

// cancelWait is how long `jobs cancel` waits for a running job to stop.
const cancelWait = 15 * time.Second

// waitStopped waits until the serving process has stopped a job whose cancellation was just
// recorded, so that `jobs cancel` says what happened rather than "running".
func waitStopped(ctx context.Context, q *queue.Queue, in queue.Info) (queue.Info, error) {
	ctx, cancel := context.WithTimeout(ctx, cancelWait)
	defer cancel()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for in.Status == jobstate.Running {
		select {
		case <-ctx.Done():
			return in, fmt.Errorf("job %d: the cancellation is recorded but the job is still running after %s: is `claude-gitlab serve` running? it stops the job when it next looks", in.ID, cancelWait)
		case <-t.C:
		}
		var err error
		if in, err = q.Get(ctx, in.ID); err != nil {
			return in, err
		}
	}
	return in, nil
}
