package agent

import (
	"context"
	"fmt"
	"strings"
)

// finish builds the Result and the error once the CLI is gone. A sandbox limit explains a failed
// run better than what the CLI said as it was killed; a run that succeeded anyway stays a success.
func (r *run) finish(reason stopReason) (Result, error) {
	res, err := r.outcome(reason)
	if err != nil && reason != stopCancel {
		if lim := r.limit(); lim != nil {
			return res, fmt.Errorf("%w: %s", ErrLimit, lim)
		}
	}
	return res, err
}

func (r *run) outcome(reason stopReason) (Result, error) {
	if r.truncated {
		reason = stopOverflow // even if the CLI happened to exit at the same moment
	}
	res := Result{Truncated: r.truncated || r.textCut, StderrTail: r.red.str(r.p.stderrTail.String())}
	var how string
	res.ExitCode, how = r.p.exitCode()
	haveResult := r.parser.finish(&res)
	res.Text = r.red.str(res.Text)
	for i := range res.Errors {
		res.Errors[i] = r.red.str(res.Errors[i])
	}
	switch reason {
	case stopOverflow:
		return res, fmt.Errorf("%w: stopped after %d bytes of output (the limit); the run did too much to report",
			ErrOutputTooLarge, r.cfg.maxOutput())
	case stopTimeout:
		return res, fmt.Errorf("%w: stopped after %s (raise CLAUDE_TIMEOUT or ask for a smaller change)%s",
			ErrTimeout, r.cfg.Timeout, res.stderrSuffix())
	case stopCancel:
		return res, fmt.Errorf("claude run cancelled: %w", context.Cause(r.ctx))
	case stopLinger:
		res.ExitCode = 0 // we stopped it after its answer: its exit code says nothing
		return res, classify(&res)
	}
	if haveResult {
		return res, classify(&res)
	}
	return res, r.noResult(&res, how)
}

// noResult explains a run that ended without a result line.
func (r *run) noResult(res *Result, how string) error {
	if notLoggedIn(res.StderrTail) {
		return fmt.Errorf("%w: %s%s", ErrNotLoggedIn, how, res.stderrSuffix())
	}
	p := r.parser
	if p.malformed > 0 {
		return fmt.Errorf("%w: %d lines were not stream-json (the first: %q) and no result line came; %s%s",
			ErrMalformed, p.malformed, r.red.str(p.firstBad), how, res.stderrSuffix())
	}
	if r.oversized > 0 && p.lines > 0 {
		return fmt.Errorf("%w: %s; %d lines over %d bytes were skipped, the result may be among them%s",
			ErrCrashed, how, r.oversized, maxLineBytes, res.stderrSuffix())
	}
	return fmt.Errorf("%w: %s without a result line%s", ErrCrashed, how, res.stderrSuffix())
}

func notLoggedIn(stderr string) bool {
	return strings.Contains(stderr, "Not logged in") || strings.Contains(stderr, "Invalid API key")
}
