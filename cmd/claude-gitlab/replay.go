package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"os"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
)

func runReplay(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "replay", "FILE [--event \"Note Hook\"] [--url URL]")
	eventName := fs.String("event", "", `the X-Gitlab-Event header, e.g. "Note Hook" (default: from the payload's object_kind)`)
	url := fs.String("url", "", "the service's webhook URL (default: PUBLIC_URL/webhook, else http://127.0.0.1:PORT/webhook)")
	key := fs.String("idempotency-key", "", "Idempotency-Key header (default: a new random key; repeat one to test dedupe)")
	file, rest := splitFile(args)
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	}
	if file == "" {
		fs.Usage()
		return fmt.Errorf("replay: give a payload FILE")
	}
	cfg, err := config.Load(env.lookup, env.envFile, false)
	if err != nil {
		return err
	}
	body, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if *eventName == "" {
		if *eventName, err = eventOf(body); err != nil {
			return fmt.Errorf("replay %s: %w", file, err)
		}
		fmt.Fprintf(env.stdout, "event: %s (from the payload)\n", *eventName)
	}
	target := replayURL(cfg, *url)
	if fixed, ok := withWebhookPath(target); !ok {
		fmt.Fprintf(env.stdout, "%s has no /webhook path: sending to %s\n", target, fixed)
		target = fixed
	}
	status, answer, err := sendWebhook(ctx, target, cfg.WebhookSecret, *eventName, *key, body)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%s → %d %s\n", target, status, strings.TrimSpace(answer))
	if status >= 300 {
		return exitError{1}
	}
	return nil
}

// eventOf is the X-Gitlab-Event header GitLab sends with payload: its object_kind in words
// ("merge_request" → "Merge Request Hook"), "Confidential …" for confidential issues and notes.
func eventOf(payload []byte) (string, error) {
	var p struct {
		ObjectKind string `json:"object_kind"`
		EventType  string `json:"event_type"`
		Attrs      struct {
			Confidential bool `json:"confidential"`
			Internal     bool `json:"internal"`
		} `json:"object_attributes"`
		Issue *struct {
			Confidential bool `json:"confidential"`
		} `json:"issue"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return "", fmt.Errorf("not a JSON payload (%v): give --event", err)
	}
	kind := p.ObjectKind
	switch {
	case kind == "":
		return "", errors.New("the payload has no object_kind: give --event, e.g. --event \"Note Hook\"")
	case kind == "build":
		return "Job Hook", nil
	case strings.HasPrefix(p.EventType, "confidential_"),
		kind == "issue" && p.Attrs.Confidential,
		kind == "note" && (p.Attrs.Internal || p.Attrs.Confidential || (p.Issue != nil && p.Issue.Confidential)):
		kind = "confidential_" + kind
	}
	words := strings.Split(kind, "_")
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ") + " Hook", nil
}

// withWebhookPath makes sure the URL ends in /webhook, where the service listens; ok is false
// when it had to add it.
func withWebhookPath(raw string) (string, bool) {
	u, err := neturl.Parse(raw)
	if err != nil || strings.HasSuffix(u.Path, "/webhook") {
		return raw, true
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/webhook"
	return u.String(), false
}

// splitFile lets FILE come before or after the flags.
func splitFile(args []string) (string, []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "", args
}

func replayURL(cfg config.Config, flagURL string) string {
	switch {
	case flagURL != "":
		return flagURL
	case cfg.PublicURL != "":
		return cfg.PublicURL + "/webhook"
	}
	addr := cfg.ListenAddr
	if strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1" + addr
	}
	scheme := "http"
	if cfg.TLSCertFile != "" {
		scheme = "https"
	}
	return scheme + "://" + addr + "/webhook"
}

// sendWebhook posts body with the headers GitLab sends.
func sendWebhook(ctx context.Context, url, secret, eventName, key string, body []byte) (int, string, error) {
	if key == "" {
		key = randomID()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitLab/17.0.0 (claude-gitlab replay)")
	req.Header.Set("X-Gitlab-Event", eventName)
	req.Header.Set("X-Gitlab-Token", secret)
	req.Header.Set("Idempotency-Key", key)
	req.Header.Set("X-Gitlab-Event-UUID", randomID())
	req.Header.Set("X-Gitlab-Webhook-UUID", randomID())
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("send to %s: %w", url, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, string(answer), nil
}

func randomID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
