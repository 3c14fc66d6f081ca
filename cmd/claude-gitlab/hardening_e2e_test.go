package main

import (
	"net/http"
	"strings"
	"testing"
)

// WEBHOOK_SECRET=a stops serve with one line that says how to make a good secret.
func TestServeRefusesAShortWebhookSecret(t *testing.T) {
	_, token := testGitLab(t)
	out := runCLIErr(t, []string{"GITLAB_TOKEN=" + token, "WEBHOOK_SECRET=a", "DATA_DIR=" + t.TempDir()}, "serve")
	if !strings.Contains(out, "WEBHOOK_SECRET is 1 characters long") || !strings.Contains(out, "openssl rand -hex 32") {
		t.Fatalf("output:\n%s", out)
	}
}

// With METRICS_TOKEN, /metrics answers 401 without the bearer token (or with a wrong one) and the
// metrics with it. (Control run: with requireBearer passing every request, the first GET gets 200.)
func TestMetricsTokenGuardsMetrics(t *testing.T) {
	g, token := testGitLab(t)
	const metricsToken = "metrics-token-0123456789abcdef"
	s := startService(t, "GITLAB_URL="+g.URL(), "GITLAB_TOKEN="+token, "WEBHOOK_SECRET="+testSecret,
		"DATA_DIR="+t.TempDir(), "METRICS_TOKEN="+metricsToken)
	get := func(auth string) int {
		req, _ := http.NewRequest(http.MethodGet, s.url+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := get(""); c != http.StatusUnauthorized {
		t.Fatalf("no token: %d", c)
	}
	if c := get("Bearer wrong-token-0123456789abcdef"); c != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d", c)
	}
	if c := get("Bearer " + metricsToken); c != http.StatusOK {
		t.Fatalf("right token: %d", c)
	}
	if strings.Contains(s.logs.String(), metricsToken) {
		t.Fatal("the metrics token is in the logs")
	}
}
