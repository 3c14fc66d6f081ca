// Package poll is the intake that needs no inbound connection: it reads the bot user's GitLab
// To-Do list (made when the bot's username is mentioned, an issue or MR is assigned to it, or its
// review is requested), turns each item into the event the webhook path would have parsed, and
// sends it through the same trigger rules and the same durable, deduplicated queue. A To-Do is
// marked done only after its requests are stored, so a crash in between reads it again and the
// queue's dedupe finds it already there.
package poll

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// GitLab is what the poller reads and writes.
type GitLab interface {
	Todos(ctx context.Context, state string, firstPage bool) ([]gitlab.Todo, error)
	MarkTodoDone(ctx context.Context, id int64) error
	ListNotes(ctx context.Context, t gitlab.ThreadRef, opts gitlab.ListNotesOptions) ([]gitlab.Note, error)
	Project(ctx context.Context, idOrPath string) (gitlab.Project, error)
}

// Queue stores requests durably; Known answers whether a key was stored before.
type Queue interface {
	Enqueue(ctx context.Context, d queue.Delivery) (queue.Outcome, error)
	Known(ctx context.Context, key string) (jobID int64, found bool, err error)
}

// Config is the poller's part of the service configuration.
type Config struct {
	Interval time.Duration        // POLL_INTERVAL: the longest wait between two reads
	Rules    func() trigger.Rules // the bot's identity must be known (BotID) before a round runs
	Log      *slog.Logger
	Now      func() time.Time // time.Now when nil
}

const (
	// recentDone is how far back To-Dos already marked done are looked at: GitLab marks the bot's
	// pending To-Dos on an issue done when the bot comments or reacts there, which can happen
	// (for an earlier request in the same thread) before the poller has read them.
	recentDone = 15 * time.Minute
	// maxAge: a pending To-Do older than this is marked done without running (a backlog from
	// before poll mode was turned on, or from a long outage, is not worked off by surprise).
	maxAge = 24 * time.Hour
	// clockSlack covers the time between an assignment and the To-Do GitLab makes for it.
	clockSlack = 2 * time.Second
	// activeFor: after a request, the next reads come sooner (follow-ups tend to come quickly).
	activeFor  = time.Minute
	maxBackoff = 5 * time.Minute
)

// Poller reads the To-Do list until its context ends.
type Poller struct {
	gl  GitLab
	q   Queue
	cfg Config
	log *slog.Logger

	mu         sync.Mutex
	seen       map[int64]time.Time // done To-Dos already looked at, by id
	lastActive time.Time
}

// New makes a poller; Run starts it.
func New(gl GitLab, q Queue, cfg Config) *Poller {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 10 * time.Second
	}
	return &Poller{gl: gl, q: q, cfg: cfg, log: cfg.Log, seen: map[int64]time.Time{}}
}

// Run polls until ctx ends: every Interval when idle, faster for a minute after a request, and
// backing off up to five minutes while GitLab fails. Every call goes through the GitLab client's
// shared rate limit (GITLAB_RATE_LIMIT).
func (p *Poller) Run(ctx context.Context) {
	p.log.Info("polling the bot's To-Do list", "interval", p.cfg.Interval.String())
	backoff := time.Duration(0)
	for {
		wait := p.cfg.Interval
		n, err := p.Round(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, errNotReady):
			wait = min(wait, time.Second) // the service is starting: GET /user answers soon
		case err != nil:
			backoff = min(max(2*backoff, p.cfg.Interval), maxBackoff)
			wait = backoff
			p.log.Warn("reading the To-Do list failed; trying again", "error", err, "in", wait.String())
		default:
			backoff = 0
			if n > 0 {
				p.lastActive = p.cfg.Now()
			}
			if p.cfg.Now().Sub(p.lastActive) < activeFor {
				wait = max(p.cfg.Interval/5, time.Second)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// errNotReady: the bot's identity is not known yet, so mentions cannot be told from its own notes.
var errNotReady = errors.New("the bot's identity is not known yet")

// Round reads the list once and handles every item; it returns how many requests were queued.
func (p *Poller) Round(ctx context.Context) (int, error) {
	rules := p.cfg.Rules()
	if rules.BotID == 0 {
		return 0, errNotReady
	}
	items, err := p.read(ctx)
	if err != nil {
		return 0, err
	}
	queued := 0
	projects := map[int64]gitlab.Project{}
	for _, t := range items {
		n, err := p.handleOne(ctx, t, rules, projects)
		queued += n
		if err != nil {
			if ctx.Err() != nil {
				return queued, ctx.Err()
			}
			p.log.Warn("To-Do not handled; read again next round", "todo", t.ID, "project", t.ProjectPath, "error", err)
		}
	}
	return queued, nil
}

// read lists every pending To-Do and the recently done ones not looked at yet, oldest first.
func (p *Poller) read(ctx context.Context) ([]gitlab.Todo, error) {
	pending, err := p.gl.Todos(ctx, "pending", false)
	if err != nil {
		return nil, err
	}
	done, err := p.gl.Todos(ctx, "done", true)
	if err != nil {
		return nil, err
	}
	now := p.cfg.Now()
	p.mu.Lock()
	for id, at := range p.seen {
		if now.Sub(at) > 2*recentDone {
			delete(p.seen, id)
		}
	}
	for _, t := range done {
		if _, ok := p.seen[t.ID]; !ok && now.Sub(t.CreatedAt) < recentDone {
			pending = append(pending, t)
		}
	}
	p.mu.Unlock()
	slices.SortFunc(pending, func(a, b gitlab.Todo) int { return int(a.ID - b.ID) })
	return pending, nil
}

// handleOne queues the To-Do's requests and then marks it done. An error leaves it pending.
func (p *Poller) handleOne(ctx context.Context, t gitlab.Todo, rules trigger.Rules, projects map[int64]gitlab.Project) (int, error) {
	log := p.log.With("todo", t.ID, "action", t.Action, "project", t.ProjectPath, "target", fmt.Sprintf("%s %d", t.TargetType, t.Target.IID))
	queued := 0
	switch _, known, err := p.q.Known(ctx, todoKey(t.ID)); {
	case err != nil:
		return 0, err
	case known:
		log.Debug("To-Do already queued")
	case p.cfg.Now().Sub(t.CreatedAt) > maxAge && t.State == "pending":
		log.Warn("To-Do older than a day: marked done without running; ask again in the thread", "created", t.CreatedAt)
	default:
		n, err := p.queue(ctx, t, rules, projects, log)
		if err != nil {
			return n, err
		}
		queued = n
	}
	if t.State == "pending" {
		if err := p.gl.MarkTodoDone(ctx, t.ID); err != nil {
			return queued, err // read again next round: its requests are found stored
		}
	}
	p.mu.Lock()
	p.seen[t.ID] = p.cfg.Now()
	p.mu.Unlock()
	return queued, nil
}

// queue turns the To-Do into events and stores the requests they make.
func (p *Poller) queue(ctx context.Context, t gitlab.Todo, rules trigger.Rules, projects map[int64]gitlab.Project, log *slog.Logger) (int, error) {
	if t.TargetType != "Issue" && t.TargetType != "MergeRequest" {
		log.Info("To-Do ignored: only issues and merge requests are read from the To-Do list")
		return 0, nil
	}
	proj, ok := projects[t.ProjectID]
	if !ok {
		var err error
		if proj, err = p.gl.Project(ctx, fmt.Sprint(t.ProjectID)); err != nil {
			return 0, err
		}
		projects[t.ProjectID] = proj
	}
	notes, err := p.gl.ListNotes(ctx, threadRef(t), gitlab.ListNotesOptions{ExcludeSystem: true})
	if err != nil {
		return 0, err
	}
	cands := candidates(t, proj, notes, clockSlack)
	queued := 0
	for _, c := range cands {
		req, err := trigger.Match(c.ev, rules)
		if err != nil {
			log.Debug("To-Do event ignored", "reason", err.Error(), "note", c.noteID)
			continue
		}
		req.ReceivedAt = p.cfg.Now().UTC()
		keys := []string{trigger.ObjectKey(c.ev)}
		if c.primary {
			keys = append(keys, todoKey(t.ID))
		}
		keys = append(keys, trigger.MomentKeys(req, t.CreatedAt, clockSlack)...)
		out, err := p.q.Enqueue(ctx, queue.Delivery{Request: req, Keys: keys})
		if err != nil {
			return queued, err
		}
		if out.Duplicate {
			log.Info("To-Do request seen before", "job", out.JobID, "note", c.noteID)
			continue
		}
		queued++
		log.Info("queued from the To-Do list", "job", out.JobID, "reason", req.Reason, "note", c.noteID)
	}
	return queued, nil
}

func todoKey(id int64) string { return fmt.Sprintf("todo:%d", id) }

func threadRef(t gitlab.Todo) gitlab.ThreadRef {
	typ := gitlab.TypeIssue
	if t.TargetType == "MergeRequest" {
		typ = gitlab.TypeMergeRequest
	}
	return gitlab.ThreadRef{ProjectID: t.ProjectID, Type: typ, IID: t.Target.IID}
}
