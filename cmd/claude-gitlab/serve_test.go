package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/waitfor"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/webhook/webhooktest"
)

const testSecret = "test-webhook-secret-0123456789abcdef"

func mentionNote(t *testing.T, noteID int, text string) []byte {
	return webhooktest.Load(t, "note_issue.json").
		Set("object_attributes.note", text).
		Set("object_attributes.id", noteID).Bytes(t)
}

func TestServeQueuesSurvivesRestartAndDedupes(t *testing.T) {
	g, token := testGitLab(t)
	dataDir := t.TempDir()
	env := []string{"GITLAB_URL=" + g.URL(), "GITLAB_TOKEN=" + token, "WEBHOOK_SECRET=" + testSecret, "DATA_DIR=" + dataDir}
	s := startService(t, env...)

	code, out := s.post("Note Hook", mentionNote(t, 9001, "@claude what does this do?"), "X-Gitlab-Token", testSecret, "Idempotency-Key", "k1")
	if code != http.StatusAccepted || out["status"] != "queued" {
		t.Fatalf("mention: %d %v\n%s", code, out, s.logs)
	}
	job := out["job"]
	code, out = s.post("Note Hook", mentionNote(t, 9001, "@claude what does this do?"), "X-Gitlab-Token", testSecret, "Idempotency-Key", "k1")
	if code != http.StatusOK || out["status"] != "duplicate" || out["job"] != job {
		t.Fatalf("repeat: %d %v", code, out)
	}
	code, _ = s.post("Note Hook", mentionNote(t, 9002, "@claude hi"), "X-Gitlab-Token", "wrong")
	if code != http.StatusForbidden {
		t.Fatalf("wrong secret: %d", code)
	}
	code, out = s.post("Push Hook", webhooktest.Raw(t, "push.json"), "X-Gitlab-Token", testSecret)
	if code != http.StatusOK || out["status"] != "ignored" {
		t.Fatalf("push: %d %v", code, out)
	}
	if strings.Contains(s.logs.String(), token) || strings.Contains(s.logs.String(), testSecret) {
		t.Fatal("a secret appeared in the logs")
	}

	// kill -9, then start again on the same DATA_DIR: the job is still queued, the dedupe holds.
	s.cmd.Process.Kill()
	s.cmd.Wait()
	s = startService(t, env...)
	code, out = s.post("Note Hook", mentionNote(t, 9001, "@claude what does this do?"), "X-Gitlab-Token", testSecret, "Idempotency-Key", "k2")
	if code != http.StatusOK || out["status"] != "duplicate" {
		t.Fatalf("same note after restart: %d %v", code, out)
	}
	list := runCLI(t, []string{"DATA_DIR=" + dataDir}, "jobs", "list", "--json")
	var jobs []map[string]any
	if err := json.Unmarshal([]byte(list), &jobs); err != nil || len(jobs) != 1 {
		t.Fatalf("jobs list: %v\n%s", err, list)
	}
	if jobs[0]["request"].(map[string]any)["text"] != "@claude what does this do?" {
		t.Fatalf("stored request: %v", jobs[0])
	}
	table := runCLI(t, []string{"DATA_DIR=" + dataDir}, "jobs", "list")
	if !strings.Contains(table, "what does this do?") || !strings.Contains(table, "@user1") {
		t.Fatalf("jobs table:\n%s", table)
	}
}

func TestHundredConcurrentCopiesMakeOneJob(t *testing.T) {
	g, token := testGitLab(t)
	dataDir := t.TempDir()
	s := startService(t, "GITLAB_URL="+g.URL(), "GITLAB_TOKEN="+token, "WEBHOOK_SECRET="+testSecret, "DATA_DIR="+dataDir)
	body := mentionNote(t, 777, "@claude please look")
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[string]int{}
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each copy is its own delivery (own Idempotency-Key): the note id makes them one.
			_, out := s.post("Note Hook", body, "X-Gitlab-Token", testSecret, "Idempotency-Key", strings.Repeat("x", i+1))
			mu.Lock()
			statuses[out["status"].(string)]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if statuses["queued"] != 1 || statuses["duplicate"] != 99 {
		t.Fatalf("statuses: %v", statuses)
	}
}

func TestSigtermDrainsAndExitsCleanly(t *testing.T) {
	g, token := testGitLab(t)
	s := startService(t, "GITLAB_URL="+g.URL(), "GITLAB_TOKEN="+token, "WEBHOOK_SECRET="+testSecret, "DATA_DIR="+t.TempDir())
	done := make(chan error, 1)
	go func() { done <- s.sigterm() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, s.logs)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("did not stop after SIGTERM")
	}
	if !strings.Contains(s.logs.String(), `"msg":"stopped"`) {
		t.Fatalf("no clean stop in the logs:\n%s", s.logs)
	}
}

func TestServeRefusesToStartWithoutToken(t *testing.T) {
	cmd := runCLIErr(t, []string{"WEBHOOK_SECRET=x", "DATA_DIR=" + t.TempDir()}, "serve")
	if !strings.Contains(cmd, "GITLAB_TOKEN is not set") {
		t.Fatalf("output: %s", cmd)
	}
}

// Past WEBHOOK_MAX_INFLIGHT an authenticated delivery is shed through the binary: answered 200
// {"status":"shed"} (GitLab counts every 4xx and 5xx against the hook) and counted in /metrics.
// The slot is held by a delivery whose body is still coming; with the default ceiling the same
// delivery is handled (the control).
func TestShedPastTheInFlightCeilingThroughTheBinary(t *testing.T) {
	for _, c := range []struct {
		ceiling  string
		wantShed bool
	}{{"1", true}, {"1000", false}} {
		t.Run("WEBHOOK_MAX_INFLIGHT="+c.ceiling, func(t *testing.T) {
			g, token := testGitLab(t)
			s := startService(t, "GITLAB_URL="+g.URL(), "GITLAB_TOKEN="+token, "WEBHOOK_SECRET="+testSecret,
				"DATA_DIR="+t.TempDir(), "WEBHOOK_MAX_INFLIGHT="+c.ceiling)
			body := webhooktest.Raw(t, "issue_open.json")
			post := func() any {
				code, out := s.post("Issue Hook", body, "X-Gitlab-Token", testSecret)
				if code != http.StatusOK {
					t.Fatalf("a delivery beside the held one: %d %v", code, out)
				}
				return out["status"]
			}
			if !c.wantShed {
				conn := holdDelivery(t, s, body)
				for range 3 {
					if st := post(); st != "ignored" {
						t.Fatalf("status %v beside one delivery in flight, want ignored", st)
					}
				}
				finishHeld(t, conn, body)
				return
			}
			// The held delivery takes the one place once the server has read its headers; if a
			// delivery sent meanwhile had it then, the held one was shed itself and a new one is held.
			for try := 1; ; try++ {
				conn := holdDelivery(t, s, body)
				if waitfor.Within(3*time.Second, func() bool { return post() == "shed" }) {
					finishHeld(t, conn, body)
					break
				}
				conn.Close()
				if try == 5 {
					t.Fatalf("never shed with one place taken\n%s", s.logs)
				}
			}
			if !strings.Contains(metricsText(t, s), `outcome="shed"`) {
				t.Fatal("no shed delivery counted in /metrics")
			}
		})
	}
}

// holdDelivery sends a delivery's headers and half its body, and leaves the rest for later.
func holdDelivery(t *testing.T, s *service, body []byte) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST /webhook HTTP/1.1\r\nHost: x\r\nX-Gitlab-Event: Issue Hook\r\nX-Gitlab-Token: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		testSecret, len(body), body[:len(body)/2])
	return conn
}

// finishHeld sends the rest of the held delivery, which is then answered as usual.
func finishHeld(t *testing.T, conn net.Conn, body []byte) {
	t.Helper()
	conn.Write(body[len(body)/2:])
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the held delivery: %v %v", resp, err)
	}
	resp.Body.Close()
}

func metricsText(t *testing.T, s *service) string {
	t.Helper()
	resp, err := http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return string(raw)
}
