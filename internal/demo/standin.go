package demo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
)

// StandIn plays Claude for the demo when there is no Anthropic credential: it reads the request
// at the end of the prompt and answers from a script, editing the worktree for a change request.
// It goes through the same steps as a real run (progress, result, files changed) so everything
// around it is the real service.
func StandIn(ctx context.Context, _ agent.Config, req agent.Request, progress func(agent.Progress)) (agent.Result, error) {
	start := time.Now()
	request := lastRequest(req.Prompt)
	say := func(tool, summary string) {
		progress(agent.Progress{Kind: agent.KindToolUse, Tool: tool, Summary: summary})
		time.Sleep(300 * time.Millisecond) // so the progress note visibly moves
	}
	say("Read", "README.md")
	say("Read", "main.go")
	var text string
	switch lower := strings.ToLower(request); {
	case strings.Contains(lower, "review"):
		say("Read", "orders.go")
		text = reviewText
	case strings.Contains(lower, "health"):
		say("Edit", "main.go")
		if err := addHealth(req.Dir); err != nil {
			return agent.Result{}, fmt.Errorf("%w: %v", agent.ErrCrashed, err)
		}
		text = changeText
	default:
		text = questionText
	}
	if err := ctx.Err(); err != nil {
		return agent.Result{}, err
	}
	return agent.Result{Text: text, Subtype: "success", NumTurns: 3, CostUSD: 0, Duration: time.Since(start)}, nil
}

// lastRequest is the text of the <request> block of our prompt.
func lastRequest(prompt string) string {
	i := strings.LastIndex(prompt, "<request")
	if i < 0 {
		return prompt
	}
	req, _, _ := strings.Cut(prompt[i:], "</request>")
	return req
}

func addHealth(dir string) error {
	path := filepath.Join(dir, "main.go")
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := strings.Replace(string(b), `	http.HandleFunc("/orders", createOrder)`,
		`	http.HandleFunc("/orders", createOrder)
	http.HandleFunc("/health", health)`, 1)
	s += `
// health answers load balancers and uptime checks.
func health(w http.ResponseWriter, r *http.Request) {
	w.Write([]byte("ok"))
}
`
	return os.WriteFile(path, []byte(s), 0o644)
}

const questionText = `This is a small **web shop API** written in Go:

- ` + "`main.go`" + ` starts an HTTP server on ` + "`:8080`" + ` with two routes: ` + "`GET /products`" + ` lists the products (kept in memory) as JSON, ` + "`/orders`" + ` takes an order.
- ` + "`orders.go`" + ` decodes an order (` + "`product_id`" + `, ` + "`quantity`" + `) and answers 201.

There is no database yet: products live in a slice and orders are not stored.`

const reviewText = `Review of this merge request:

**Security**
- ` + "`createOrder`" + ` accepts any quantity, including negative ones: validate ` + "`Quantity > 0`" + ` and that the product exists.

**Missing error handling**
- ` + "`json.NewDecoder(r.Body).Decode(&o)`" + ` ignores its error: a malformed body still gets 201. Answer 400 instead.

**Performance**
- Nothing of concern at this size.

**Style**
- ` + "`discount`" + ` takes an ` + "`int`" + ` percent but returns a float: document the rounding you expect, and add a table test.`

const changeText = `Added a ` + "`GET /health`" + ` endpoint in ` + "`main.go`" + ` that answers ` + "`ok`" + `, for load balancers and uptime checks.`
