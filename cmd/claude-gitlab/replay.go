package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
)

func runReplay(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "replay", "FILE --event \"Note Hook\" [--url URL]")
	eventName := fs.String("event", "", `the X-Gitlab-Event header, e.g. "Note Hook", "Issue Hook", "Merge Request Hook"`)
	url := fs.String("url", "", "the service's webhook URL (default: PUBLIC_URL/webhook, else http://127.0.0.1:PORT/webhook)")
	key := fs.String("idempotency-key", "", "Idempotency-Key header (default: a new random key; repeat one to test dedupe)")
	file, rest := splitFile(args)
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	}
	if file == "" || *eventName == "" {
		fs.Usage()
		return fmt.Errorf("replay: give a payload FILE and --event")
	}
	cfg, err := config.Load(env.lookup, env.envFile, false)
	if err != nil {
		return err
	}
	body, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	target := replayURL(cfg, *url)
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
