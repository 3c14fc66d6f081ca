package fakeanthropic

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Server is a running fake Messages API on 127.0.0.1.
type Server struct {
	URL string // base URL for ANTHROPIC_BASE_URL, e.g. http://127.0.0.1:41234

	srv     *httptest.Server
	respond Responder

	// Cache turns on prompt caching (cache.go): usage then reports the tokens of what earlier
	// requests sent as cache_read_input_tokens and the rest as input_tokens, unless the Reply
	// sets InputTokens. Set it before the first request.
	Cache bool

	mu       sync.Mutex
	requests []Recorded
	turns    int
	cache    promptCache
}

// Recorded is one request the fake received, for assertions.
type Recorded struct {
	Method, Path string
	Header       http.Header
	Body         *MessagesRequest // nil unless POST /v1/messages
	// InputTokens and CacheRead are the usage reported, with Server.Cache.
	InputTokens, CacheRead int
}

// Start serves the fake until Close. respond scripts the model's side of the conversation.
func Start(respond Responder) *Server {
	s := &Server{respond: respond}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/messages", s.messages)
	mux.HandleFunc("POST /v1/messages/count_tokens", s.countTokens)
	mux.HandleFunc("/", s.notFound)
	s.srv = httptest.NewServer(mux) // listens on 127.0.0.1 only
	s.URL = s.srv.URL
	return s
}

// Close stops the server and waits for its handlers.
func (s *Server) Close() { s.srv.Close() }

// Requests returns a copy of what the fake received so far.
func (s *Server) Requests() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Recorded(nil), s.requests...)
}

// record stores a request and returns the count of tool-offering requests so far (the turn)
// and the request's place in the record.
func (s *Server) record(r *http.Request, body *MessagesRequest) (int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Recorded{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
	if body != nil && body.HasTools() {
		s.turns++
	}
	return s.turns, len(s.requests) - 1
}

func (s *Server) messages(w http.ResponseWriter, r *http.Request) {
	var req MessagesRequest
	data, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err == nil {
		err = json.Unmarshal(data, &req)
	}
	n, idx := s.record(r, &req)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "fake: bad JSON: "+err.Error())
		return
	}
	reply := s.respond(&req, n)
	if s.Cache && reply.InputTokens == 0 {
		s.mu.Lock()
		reply.InputTokens, reply.CacheRead = s.cache.usage(&req)
		s.requests[idx].InputTokens, s.requests[idx].CacheRead = reply.InputTokens, reply.CacheRead
		s.mu.Unlock()
		reply.CacheWrite = reply.InputTokens
	}
	if reply.Status != 0 && reply.Status != http.StatusOK {
		writeError(w, reply.Status, errorType(reply.Status), reply.ErrorMessage)
		return
	}
	model := req.Model
	id := fmt.Sprintf("msg_fake_%d_%d", n, time.Now().UnixNano())
	if req.Stream {
		writeStream(w, id, model, reply)
		return
	}
	writeJSON(w, http.StatusOK, message(id, model, reply, true))
}

func (s *Server) countTokens(w http.ResponseWriter, r *http.Request) {
	s.record(r, nil)
	writeJSON(w, http.StatusOK, map[string]int{"input_tokens": 100})
}

// notFound covers HEAD /api/hello (sent without the non-essential-traffic setting) and anything
// else: a 404 is what the CLI tolerates.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.record(r, nil)
	writeError(w, http.StatusNotFound, "not_found_error", "fake: no such endpoint "+r.URL.Path)
}

func errorType(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "authentication_error"
	case http.StatusForbidden:
		return "permission_error"
	case http.StatusTooManyRequests:
		return "rate_limit_error"
	case 529:
		return "overloaded_error"
	case http.StatusBadRequest:
		return "invalid_request_error"
	default:
		return "api_error"
	}
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	if msg == "" {
		msg = http.StatusText(status)
	}
	w.Header().Set("request-id", "req_fake")
	writeJSON(w, status, map[string]any{
		"type":  "error",
		"error": map[string]string{"type": typ, "message": msg},
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away: nothing to do
}
