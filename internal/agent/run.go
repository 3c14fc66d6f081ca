// Package agent runs the Claude Code CLI headless in a worktree and reads its stream-json output
// into progress events and a result. The CLI gets a minimal environment built from scratch, its
// own process group, and bounds on time and output.
package agent

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"syscall"
	"time"
)

// resultLinger is how long the CLI may take to exit after printing its result line before it is
// stopped: the answer is complete, a hang on the way out must not cost the whole timeout.
var resultLinger = 10 * time.Second

// stopReason says why Run stopped the CLI, if it did.
type stopReason int

const (
	stopNone     stopReason = iota // it exited by itself
	stopTimeout                    // Config.Timeout passed
	stopCancel                     // the caller's context ended
	stopOverflow                   // too much output
	stopLinger                     // it did not exit after its result
)

// Run runs the CLI for one request and returns its result. progress, if not nil, is called for
// each step from Run's own goroutine; it should return quickly. The returned Result is filled as
// far as known also with an error; see the Err* values for the errors callers decide on.
func Run(ctx context.Context, cfg Config, req Request, progress func(Progress)) (Result, error) {
	if progress == nil {
		progress = func(Progress) {}
	}
	progress = serialized(progress) // the egress reports model requests from its own goroutines
	inv, err := prepare(cfg, req, progress)
	if err != nil {
		return Result{}, err
	}
	defer inv.cleanup()
	res, err := inv.run(ctx, cfg, req, progress)
	return res, inv.closeEgress(&res, err)
}

func (inv *invocation) run(ctx context.Context, cfg Config, req Request, progress func(Progress)) (Result, error) {
	runCtx, cancel := ctx, context.CancelFunc(func() {})
	if cfg.Timeout > 0 {
		runCtx, cancel = context.WithTimeout(ctx, cfg.Timeout)
	}
	defer cancel()
	if err := runCtx.Err(); err != nil {
		return Result{}, fmt.Errorf("claude run not started: %w", err)
	}
	p, err := startProc(inv.cli, inv.args, inv.env, inv.dir, req.Prompt)
	if err != nil {
		return Result{}, fmt.Errorf("%w: %w", ErrCrashed, err)
	}
	r := &run{ctx: ctx, cfg: cfg, p: p, red: newRedactor(cfg.Env), parser: newParser(inv.dir), progress: progress,
		overflow: make(chan struct{}), resultSeen: make(chan struct{}), limit: func() error { return nil }}
	if inv.box != nil {
		stopWatch := inv.box.Watch(func() { p.signal(syscall.SIGKILL) })
		defer stopWatch()
		r.limit = inv.box.Exceeded
	}
	return r.wait(runCtx)
}

// run is the state of one started CLI.
type run struct {
	ctx      context.Context // the caller's, to tell a cancel from our timeout
	cfg      Config
	p        *proc
	red      redactor
	parser   *parser
	progress func(Progress)
	limit    func() error // the sandbox's limit the run went over, if any

	overflow   chan struct{} // closed by the reader when the output bound is passed
	resultSeen chan struct{} // closed by the reader at the result line
	gotResult  atomic.Bool
	truncated  bool // the reader passed the output bound
	oversized  int  // lines over the line bound, skipped
	textCut    bool // the result line passed the line bound: its text is a prefix
}

// wait reads the output while a supervisor stops the CLI when needed, then builds the result.
func (r *run) wait(runCtx context.Context) (Result, error) {
	stopped := make(chan stopReason, 1)
	go func() { stopped <- r.supervise(runCtx) }()
	r.read()
	reason := <-stopped // the CLI has exited and its group was killed
	r.p.close()
	return r.finish(reason)
}

// supervise stops the CLI when the run must end early, and cleans up its group when it exits.
func (r *run) supervise(ctx context.Context) stopReason {
	var linger <-chan time.Time
	resultSeen := r.resultSeen
	for {
		select {
		case <-r.p.done:
			r.p.release()
			return stopNone
		case <-resultSeen:
			resultSeen, linger = nil, time.After(resultLinger)
			continue
		case <-linger:
			return r.stop(stopLinger)
		case <-r.overflow:
			return r.stop(stopOverflow)
		case <-ctx.Done():
			switch {
			case r.gotResult.Load():
				return r.stop(stopLinger)
			case r.ctx.Err() != nil:
				return r.stop(stopCancel)
			default:
				return r.stop(stopTimeout)
			}
		}
	}
}

func (r *run) stop(reason stopReason) stopReason {
	r.p.terminate()
	r.p.release()
	return reason
}

// read parses stdout line by line until EOF, a read deadline, or the output bound.
func (r *run) read() {
	lr := newLineReader(r.p.stdout, r.cfg.maxOutput())
	for {
		line, oversized, err := lr.next()
		if err == errOutputLimit {
			r.truncated = true
			close(r.overflow)
			return
		}
		if err != nil {
			return // EOF, or the deadline after the CLI exited
		}
		if oversized {
			r.oversized++
			if r.parser.result == nil && r.parser.salvageResult(line) {
				r.textCut = true
				r.gotResult.Store(true)
				close(r.resultSeen)
			}
			continue
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		for _, ev := range r.parser.feed(line) {
			r.progress(r.red.progress(ev))
		}
		if r.parser.result != nil && !r.gotResult.Load() {
			r.gotResult.Store(true)
			close(r.resultSeen)
		}
	}
}
