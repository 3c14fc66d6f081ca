package mcptools

import (
	"fmt"
	"slices"
	"sync"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/review"
)

// MaxFindings bounds the findings one review may add through the tool.
const MaxFindings = 50

// Findings buffers the findings one review run adds through add_finding (its Add is the
// Scope's Finding); the job posts them with those of its answer once the run ends.
type Findings struct {
	mu   sync.Mutex
	list []review.Finding
}

// Add keeps f, unless the review has MaxFindings already.
func (t *Findings) Add(f review.Finding) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.list) >= MaxFindings {
		return fmt.Errorf("this review already has %d findings: put the rest in your summary", MaxFindings)
	}
	t.list = append(t.list, f)
	return nil
}

// Taken are the findings added so far.
func (t *Findings) Taken() []review.Finding {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.list)
}

// WithFindings adds the findings the review gave through the tool to those of its answer,
// once each (a finding is its file and words). An answer without its block still gets the
// structured summary then: the findings are not lost in the prose.
func WithFindings(res review.Result, extra []review.Finding) review.Result {
	if len(extra) > 0 {
		res.Parsed = true
	}
	seen := map[string]bool{}
	for _, f := range res.Findings {
		seen[f.ID()] = true
	}
	for _, f := range extra {
		if !seen[f.ID()] {
			seen[f.ID()] = true
			res.Findings = append(res.Findings, f)
		}
	}
	return res
}
