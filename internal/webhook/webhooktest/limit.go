package webhooktest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
)

// Limit is the intake benchmarks' baseline: the least any webhook receiver must do. It checks
// X-Gitlab-Token in constant time and decodes the whole JSON body, then answers; no parsing into
// types, no rules, no storage. scripts/benchintake serves it beside the binary; the webhook
// package's benchmarks run it beside the handler.
func Limit(secret string) http.Handler {
	want := sha256.Sum256([]byte(secret))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := sha256.Sum256([]byte(r.Header.Get("X-Gitlab-Token")))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintln(w, `{"error":"wrong X-Gitlab-Token"}`)
			return
		}
		var v any
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 25<<20)).Decode(&v); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintln(w, `{"status":"ignored"}`)
	})
}
