package jobpage

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/journal"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// found is what we know of a job: River's row while it exists, our record, or both.
type found struct {
	info   *queue.Info
	rec    *store.JobRecord
	req    trigger.Request
	status string
}

func (f found) confidential() bool { return f.req.Confidential || f.req.Thread.Confidential }

// finished: nothing more will happen to the job.
func (f found) finished() bool {
	if f.rec != nil && f.rec.Outcome != "" {
		return true
	}
	if f.info == nil {
		return true
	}
	switch f.info.State {
	case "completed", "cancelled", "discarded":
		return true
	}
	return false
}

// lookup finds a job; ok is false when neither River nor the journal knows it.
func (h *handler) lookup(ctx context.Context, id int64) (found, bool, error) {
	var f found
	if in, err := h.Jobs.Get(ctx, id); err == nil {
		f.info, f.req = &in, in.Request
	}
	rec, ok, err := h.Journal.Job(ctx, id)
	if err != nil {
		return f, false, err
	}
	if ok {
		f.rec = &rec
		if f.info == nil {
			_ = json.Unmarshal([]byte(rec.Request), &f.req)
		}
	}
	f.status = status(f.rec, f.info)
	return f, f.info != nil || f.rec != nil, nil
}

// status says in one word (jobstate's) where a job is: the queue's state while it holds the
// job, the recorded outcome once it ended.
func status(rec *store.JobRecord, info *queue.Info) string {
	var o jobstate.Outcome
	if rec != nil {
		o = jobstate.ParseOutcome(rec.Outcome)
	}
	switch {
	case info != nil && !o.Valid() && info.Status != "":
		return info.Status.String()
	case info != nil:
		return jobstate.Of(info.State, o).String()
	case o.Valid():
		return o.Status.String()
	}
	return "unknown" // the queue forgot it and it recorded no end
}

// allowed answers 403 unless the request may see job id: the operator, or the job's own token
// for a job not in a confidential thread.
func (h *handler) allowed(w http.ResponseWriter, r *http.Request) (found, int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.message(w, r, http.StatusNotFound, "No such job", "Job ids are numbers.")
		return found{}, 0, false
	}
	admin := h.isAdmin(r)
	if !admin && !h.Signer.ValidJobToken(id, r.URL.Query().Get("t")) {
		h.message(w, r, http.StatusForbidden, "This link is not valid", "Open the job from the link in its GitLab thread.")
		return found{}, 0, false
	}
	f, ok, err := h.lookup(r.Context(), id)
	if err != nil {
		h.Log.Warn("job page: lookup", "job", id, "error", err)
		h.message(w, r, http.StatusInternalServerError, "Could not read the job", "Try again in a moment.")
		return f, 0, false
	}
	if !ok {
		h.message(w, r, http.StatusNotFound, "No such job", "It may be older than JOB_RETENTION and deleted.")
		return f, 0, false
	}
	if f.confidential() && !admin {
		h.message(w, r, http.StatusForbidden, "Confidential", "This job is in a confidential thread: only the operator (ADMIN_TOKEN) can see it.")
		return f, 0, false
	}
	return f, id, true
}

type jobView struct {
	ID                   int64
	Project              string
	Thread, ThreadURL    string
	Title, Author        string
	Request              string
	Confidential         bool
	Status               string
	Attempt, MaxAttempts int
	Created, Finished    string
	Cost, AgentTime      string
	Turns                int
	Errors               []string
	Steps                []stepView
	Lines                []lineView
	Diff                 []diffLine
	EventsURL            string // set while the job may still change
	After                int64
	Session              *sessionView // the job's Claude session, to continue in a terminal
}

type stepView struct{ At, Took, Text, Kind string }

type lineView struct {
	Seq        int64
	At         string
	Kind, Text string
}

type diffLine struct{ Class, Text string }

func (h *handler) page(w http.ResponseWriter, r *http.Request) {
	f, id, ok := h.allowed(w, r)
	if !ok {
		return
	}
	events, err := h.Journal.Events(r.Context(), id, 0)
	if err != nil {
		h.Log.Warn("job page: transcript", "job", id, "error", err)
	}
	v := view(f, id, events)
	v.Session = h.takeHome(r.Context(), f, id, v)
	if !f.finished() {
		q := url.Values{"after": {strconv.FormatInt(v.After, 10)}}
		if t := r.URL.Query().Get("t"); t != "" {
			q.Set("t", t)
		}
		v.EventsURL = strconv.FormatInt(id, 10) + "/events?" + q.Encode()
	}
	h.render(w, http.StatusOK, "job.html", v)
}

func view(f found, id int64, events []journal.Event) jobView {
	req := f.req
	v := jobView{ID: id, Project: req.Project.Path, Thread: req.Thread.Ref(), ThreadURL: threadURL(req),
		Title: req.Thread.Title, Author: req.Author.Username, Request: req.Text, Confidential: f.confidential(),
		Status: f.status}
	if f.info != nil {
		v.Attempt, v.MaxAttempts = f.info.Attempt, f.info.MaxAttempts
		v.Created = stamp(f.info.CreatedAt)
		if f.info.FinalizedAt != nil {
			v.Finished = stamp(*f.info.FinalizedAt)
		}
		v.Errors = append(v.Errors, f.info.Errors...)
	}
	if rec := f.rec; rec != nil {
		if v.Created == "" {
			v.Created = stamp(rec.CreatedAt)
		}
		if v.Finished == "" && !rec.FinishedAt.IsZero() {
			v.Finished = stamp(rec.FinishedAt)
		}
		v.Cost, v.Turns, v.AgentTime = fmt.Sprintf("$%.4f", rec.CostUSD), rec.Turns, rec.AgentTime.Round(100*time.Millisecond).String()
	}
	var prev time.Time
	for _, e := range events {
		v.After = e.Seq
		switch e.Kind {
		case journal.KindDiff:
			v.Diff = diff(e.Text)
			continue
		case journal.KindStep, journal.KindError:
			s := stepView{At: clock(e.At), Text: e.Text, Kind: e.Kind}
			if !prev.IsZero() {
				s.Took = "+" + e.At.Sub(prev).Round(100*time.Millisecond).String()
			}
			prev = e.At
			v.Steps = append(v.Steps, s)
			if e.Kind == journal.KindError {
				v.Errors = append(v.Errors, e.Text)
			}
		}
		v.Lines = append(v.Lines, lineView{Seq: e.Seq, At: clock(e.At), Kind: e.Kind, Text: e.Text})
	}
	return v
}

func diff(text string) []diffLine {
	var out []diffLine
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		c := ""
		switch {
		case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"), strings.HasPrefix(l, "diff --git"):
			c = "meta"
		case strings.HasPrefix(l, "@@"):
			c = "hunk"
		case strings.HasPrefix(l, "+"):
			c = "add"
		case strings.HasPrefix(l, "-"):
			c = "del"
		}
		out = append(out, diffLine{c, l})
	}
	return out
}

// threadURL links the thread, only if it is a web address (html/template also refuses
// javascript: and other schemes).
func threadURL(r trigger.Request) string {
	for _, u := range []string{r.URL, r.Thread.URL} {
		if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
			return u
		}
	}
	return ""
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }
func clock(t time.Time) string { return t.UTC().Format("15:04:05") }
