package main

import (
	"fmt"
	"net/http"
	"os"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/webhook/webhooktest"
)

// serveLimit runs the baseline ("limit", webhooktest.Limit) in its own process, started and
// loaded like the service.
func serveLimit(addr, secret string) error {
	fmt.Fprintln(os.Stderr, "limit: listening on", addr)
	return http.ListenAndServe(addr, webhooktest.Limit(secret))
}
