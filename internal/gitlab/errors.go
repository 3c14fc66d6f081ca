package gitlab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// Sentinels for the answers callers decide on; match with errors.Is on any error of this package.
var (
	ErrUnauthorized = errors.New("gitlab: unauthorized (401): the token is invalid, expired or revoked")
	ErrForbidden    = errors.New("gitlab: forbidden (403): the bot lacks permission")
	ErrNotFound     = errors.New("gitlab: not found (404)")
)

// APIError is an answer of GitLab with an error status. Its text never contains the token.
type APIError struct {
	Status  int
	Message string // GitLab's own explanation, as far as it gave one
	Method  string
	Path    string // URL path only, never the query
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("gitlab %s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	// GitLab often says no more than the status ("401 Unauthorized"): once is enough.
	if e.Message != "" && e.Message != fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status)) {
		s += ": " + e.Message
	}
	return s
}

// Is makes errors.Is(err, ErrNotFound) and friends work on an APIError.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	}
	return false
}

// IsPermanent reports whether asking again cannot help: the request or our rights are wrong.
func (e *APIError) IsPermanent() bool {
	switch e.Status {
	case 400, 401, 403, 404, 405, 409, 422:
		return true
	}
	return false
}

// IsTransient reports whether err may go away if the same request is made later: 429, 5xx
// (not 501), timeouts and broken connections. Cancellation by our own context is not transient.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status == http.StatusTooManyRequests ||
			(ae.Status >= 500 && ae.Status != http.StatusNotImplemented)
	}
	// Without a status the request never got an answer: network trouble or a timeout.
	var he *httpError
	return errors.As(err, &he)
}

// isRateLimited reports a 429: GitLab rejected the request before acting on it.
func isRateLimited(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == http.StatusTooManyRequests
}

func hasStatus(err error, statuses ...int) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	for _, s := range statuses {
		if ae.Status == s {
			return true
		}
	}
	return false
}

// httpError is a call that got no answer from GitLab; its text has been redacted.
type httpError struct {
	msg string
	err error
}

func (e *httpError) Error() string { return e.msg }
func (e *httpError) Unwrap() error { return e.err }

// userError carries a text a person can act on, keeping the APIError for errors.As.
type userError struct {
	msg string
	err error
}

func (e *userError) Error() string { return e.msg }
func (e *userError) Unwrap() error { return e.err }

// errorMessage extracts GitLab's explanation from an error body. GitLab answers
// {"message": "..."}, {"message": {"field": ["..."]}} or {"error": "...", "error_description": "..."}.
func errorMessage(body []byte) string {
	var v struct {
		Message          any    `json:"message"`
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
	if json.Unmarshal(body, &v) != nil {
		return truncate(strings.TrimSpace(string(body)), 300)
	}
	if m := flatten(v.Message); m != "" {
		return truncate(m, 300)
	}
	return truncate(strings.TrimSpace(v.Error+" "+v.ErrorDescription), 300)
}

func flatten(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		parts := make([]string, 0, len(v))
		for _, x := range v {
			parts = append(parts, flatten(x))
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		parts := make([]string, 0, len(v))
		for k, x := range v {
			parts = append(parts, k+" "+flatten(x))
		}
		sort.Strings(parts) // stable text for logs and tests
		return strings.Join(parts, "; ")
	}
	return ""
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func asAPIError(err error) (*APIError, bool) {
	var ae *APIError
	ok := errors.As(err, &ae)
	return ae, ok
}
