package main

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
)

// serveLimit is the baseline ("limit"): the least any webhook receiver must do. It checks the
// token in constant time and decodes the whole JSON body, then answers; no parsing into types,
// no rules, no storage. It runs in its own process, started and loaded like the service.
func serveLimit(addr, secret string) error {
	want := sha256.Sum256([]byte(secret))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
	fmt.Fprintln(os.Stderr, "limit: listening on", addr)
	return http.ListenAndServe(addr, h)
}
