package fakegitlab

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeMessage answers the way GitLab's API reports errors: {"message": "..."}.
func writeMessage(w http.ResponseWriter, status int, msg any) {
	writeJSON(w, status, map[string]any{"message": msg})
}

// notFound answers 404 with GitLab's wording, e.g. "404 Project Not Found".
func notFound(w http.ResponseWriter, what string) {
	writeMessage(w, http.StatusNotFound, "404 "+what+" Not Found")
}

func forbidden(w http.ResponseWriter) { writeMessage(w, http.StatusForbidden, "403 Forbidden") }

func badRequest(w http.ResponseWriter, msg string) {
	writeMessage(w, http.StatusBadRequest, "400 Bad request - "+msg)
}

// missingParam is GitLab's answer to a required parameter left out.
func missingParam(w http.ResponseWriter, name string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": name + " is missing"})
}

// params are a request's query and body merged: client-go sends JSON, curl users send forms.
type params map[string]any

func readParams(r *http.Request) (params, error) {
	p := params{}
	for k, v := range r.URL.Query() {
		setNested(p, k, v[len(v)-1])
	}
	if r.Body == nil {
		return p, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	if err != nil || len(strings.TrimSpace(string(body))) == 0 {
		return p, err
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(string(body))
		for k, v := range form {
			setNested(p, k, v[len(v)-1])
		}
		return p, err
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return p, fmt.Errorf("body is not JSON: %w", err)
	}
	for k, v := range m {
		p[k] = v
	}
	return p, nil
}

// setNested turns form keys such as position[new_line] into nested maps, like Rails does.
func setNested(p params, key, value string) {
	base, rest, ok := strings.Cut(key, "[")
	if !ok {
		p[key] = value
		return
	}
	sub, _ := p[base].(map[string]any)
	if sub == nil {
		sub = map[string]any{}
		p[base] = sub
	}
	setNested(params(sub), strings.Replace(rest, "]", "", 1), value)
}

func (p params) has(key string) bool { _, ok := p[key]; return ok && p[key] != nil }

func (p params) str(key string) string {
	switch v := p[key].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

func (p params) boolean(key string) bool {
	b, _ := strconv.ParseBool(p.str(key))
	return b
}

func (p params) int(key string) int64 {
	n, _ := strconv.ParseInt(p.str(key), 10, 64)
	return n
}

func (p params) sub(key string) params {
	m, _ := p[key].(map[string]any)
	return params(m)
}
