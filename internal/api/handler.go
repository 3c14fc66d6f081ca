package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
)

// JobTokens asks GitLab whose CI job token a request carries.
type JobTokens interface {
	JobOfToken(ctx context.Context, jobToken string) (gitlab.CIJobOwner, error)
}

// Links are the job page's links and their tokens (jobpage.Signer).
type Links interface {
	JobToken(jobID int64) string
	ValidJobToken(jobID int64, token string) bool
	Link(publicURL string, jobID int64, confidential bool) string
}

// Outcomes reads a finished job's outcome (store.DB).
type Outcomes interface {
	Job(ctx context.Context, jobID int64) (store.JobRecord, bool, error)
}

// Handler serves POST /api/v1/requests and GET /api/v1/requests/{id}.
type Handler struct {
	Submitter *Submitter
	Tokens    JobTokens
	Links     Links
	Outcomes  Outcomes
	PublicURL string
	Log       *slog.Logger

	failures failureLimit
}

// maxBody bounds a request body: a prompt and a few fields.
const maxBody = MaxPromptBytes + 4<<10

// Routes are the API's routes for the server.
func (h *Handler) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		"POST /api/v1/requests":     http.HandlerFunc(h.post),
		"GET /api/v1/requests/{id}": http.HandlerFunc(h.get),
	}
}

type answer struct {
	Job     int64  `json:"job,omitempty"`
	URL     string `json:"url,omitempty"`
	Token   string `json:"token,omitempty"` // reads GET /api/v1/requests/{id} after the CI job ended
	State   string `json:"state,omitempty"`
	Done    bool   `json:"done,omitempty"`
	Outcome string `json:"outcome,omitempty"`
	Error   string `json:"error,omitempty"`
}

func reply(w http.ResponseWriter, status int, a answer) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(a)
}

// post: the job token first (one call to GitLab, nothing else before it is accepted), then the
// body, the rights of the job's user, the thread, the queue.
func (h *Handler) post(w http.ResponseWriter, r *http.Request) {
	src := source(r)
	if !h.failures.allow(src) {
		w.Header().Set("Retry-After", "60")
		reply(w, http.StatusTooManyRequests, answer{Error: "too many failed requests from this address; wait a minute"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		reply(w, http.StatusRequestEntityTooLarge, answer{Error: "body too large"})
		return
	}
	owner, ok := h.authenticate(w, r, src)
	if !ok {
		return
	}
	var a Ask
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		reply(w, http.StatusBadRequest, answer{Error: "body: " + err.Error() + ` (want {"issue": N or "merge_request": N or "new_issue": {"title": …}, "prompt": "…", "project": optional})`})
		return
	}
	sum := sha256.Sum256(body)
	o := Origin{User: owner.User, ProjectID: owner.ProjectID, URL: owner.JobURL, CIJobID: owner.JobID,
		Key: fmt.Sprintf("api:%d:%s", owner.JobID, hex.EncodeToString(sum[:12]))}
	out, err := h.Submitter.Submit(r.Context(), o, a)
	if err != nil {
		h.fail(w, src, err)
		return
	}
	status := http.StatusAccepted
	if out.Duplicate {
		status = http.StatusOK
	}
	reply(w, status, answer{Job: out.JobID, URL: h.link(out.JobID), Token: h.Links.JobToken(out.JobID), State: "queued"})
}

// authenticate asks GitLab about the JOB-TOKEN; nothing else happens for a token GitLab refuses.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request, src string) (gitlab.CIJobOwner, bool) {
	tok := r.Header.Get("JOB-TOKEN")
	if tok == "" {
		h.failures.add(src)
		reply(w, http.StatusUnauthorized, answer{Error: "missing JOB-TOKEN header: send JOB-TOKEN: $CI_JOB_TOKEN"})
		return gitlab.CIJobOwner{}, false
	}
	owner, err := h.Tokens.JobOfToken(r.Context(), tok)
	if errors.Is(err, gitlab.ErrBadJobToken) {
		h.failures.add(src)
		h.Log.Info("api: job token refused by GitLab", "source", src)
		reply(w, http.StatusUnauthorized, answer{Error: "GitLab did not accept the job token (wrong, or its job has finished)"})
		return owner, false
	}
	if err != nil {
		h.Log.Warn("api: could not ask GitLab about a job token", "error", err)
		reply(w, http.StatusBadGateway, answer{Error: "could not reach GitLab to check the job token; try again"})
		return owner, false
	}
	return owner, true
}

func (h *Handler) fail(w http.ResponseWriter, src string, err error) {
	switch {
	case errors.Is(err, ErrBadRequest):
		reply(w, http.StatusBadRequest, answer{Error: err.Error()})
	case errors.Is(err, ErrForbidden):
		h.failures.add(src)
		reply(w, http.StatusForbidden, answer{Error: err.Error()})
	case errors.Is(err, ErrNotFound):
		reply(w, http.StatusNotFound, answer{Error: err.Error()})
	default:
		h.Log.Error("api: request not stored", "error", err)
		reply(w, http.StatusServiceUnavailable, answer{Error: "could not store the request; try again"})
	}
}

// get answers a request's state to the CI job that made it (JOB-TOKEN) or to the holder of its
// link token (Authorization: Bearer, or ?t=).
func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		reply(w, http.StatusNotFound, answer{Error: "no such request"})
		return
	}
	info, err := h.Submitter.Queue.Get(r.Context(), id)
	if err != nil {
		reply(w, http.StatusNotFound, answer{Error: "no such request"})
		return
	}
	if !h.mayRead(r, id, info) {
		reply(w, http.StatusUnauthorized, answer{Error: "send the JOB-TOKEN of the CI job that asked, or the request's token"})
		return
	}
	a := answer{Job: id, URL: h.link(id), State: string(info.Status), Done: info.Status.Final(), Outcome: info.Outcome}
	if a.Outcome == "" {
		if rec, ok, err := h.Outcomes.Job(r.Context(), id); err == nil && ok {
			a.Outcome = rec.Outcome
		}
	}
	if a.Done && a.Outcome == "" {
		a.Outcome = string(info.Status)
	}
	reply(w, http.StatusOK, a)
}

func (h *Handler) mayRead(r *http.Request, id int64, info queue.Info) bool {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if tok == "" {
		tok = r.URL.Query().Get("t")
	}
	if tok != "" && h.Links.ValidJobToken(id, tok) {
		return true
	}
	if jt := r.Header.Get("JOB-TOKEN"); jt != "" && info.Request.CIJob != 0 {
		owner, err := h.Tokens.JobOfToken(r.Context(), jt)
		return err == nil && owner.JobID == info.Request.CIJob
	}
	return false
}

func (h *Handler) link(id int64) string {
	if h.PublicURL == "" {
		return ""
	}
	return h.Links.Link(h.PublicURL, id, false)
}

func source(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// failureLimit refuses an address after 30 failed requests in a minute: the endpoint must not
// let anyone make us knock on GitLab's door with guessed tokens at will.
type failureLimit struct {
	mu     sync.Mutex
	window time.Time
	counts map[string]int
}

const failuresPerMinute = 30

func (f *failureLimit) roll() {
	if now := time.Now(); now.Sub(f.window) > time.Minute {
		f.window, f.counts = now, map[string]int{}
	}
}

func (f *failureLimit) allow(src string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.roll()
	return f.counts[src] < failuresPerMinute
}

func (f *failureLimit) add(src string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.roll()
	f.counts[src]++
}
