package main

import (
	"net/http"
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// The agent's environment holds neither the GitLab token nor the webhook secret, checked by
// value: the fake CLI answers with every variable it sees.
func TestAgentEnvironmentHoldsNoServiceSecret(t *testing.T) {
	needOwnNetwork(t) // a bwrap-confined run (the default); skipped without bubblewrap outside CI
	w := newWorld(t, "SOME_OTHER_SETTING=service-canary-value")
	issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "env", "", false)
	ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID, "@claude show your env\nFAKE_CLAUDE env")
	w.deliver(ev, body, http.StatusAccepted)
	answer := w.waitAnswers(fakegitlab.ThreadIssue, ref(issue.IID), 1)[0].Body
	if !strings.Contains(answer, "HOME=") || !strings.Contains(answer, "PATH=") {
		t.Fatalf("the fake did not print its environment:\n%s", answer)
	}
	for _, secret := range []string{w.botToken, testSecret, "service-canary-value", "GITLAB_TOKEN", "WEBHOOK_SECRET"} {
		if strings.Contains(answer, secret) {
			t.Fatalf("the agent's environment holds %q:\n%s", secret, answer)
		}
	}
	// The Anthropic key stays in the service: the agent gets a credential of its own run, good
	// only at the service's model proxy while the run lasts.
	if strings.Contains(answer, realTestKey) || strings.Contains(answer, "[REDACTED]") || !strings.Contains(answer, "ANTHROPIC_API_KEY=sk-ant-run-") {
		t.Fatalf("the agent must hold only its run's credential, not the real key:\n%s", answer)
	}
}

// A crashing CLI and a hanging one each end with a failure reply; the one worker is free again
// and the next request is answered. (Separate issues: a thread's earlier comments are part of
// the next prompt, and the fake CLI obeys every directive in its prompt.)
func TestCrashAndTimeoutEndInAReplyAndFreeTheWorker(t *testing.T) {
	w := newWorld(t, "CLAUDE_TIMEOUT=3s", "WORKERS=1")
	var iids []int64
	for _, text := range []string{"@claude one\nFAKE_CLAUDE crash 3", "@claude two\nFAKE_CLAUDE hang", "@claude three"} {
		issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "failures", "", false)
		iids = append(iids, issue.IID)
		ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID, text)
		w.deliver(ev, body, http.StatusAccepted)
	}
	var answers []string
	for _, iid := range iids {
		notes := w.waitAnswers(fakegitlab.ThreadIssue, ref(iid), 1)
		if len(notes) != 1 || strings.Contains(notes[0].Body, "working on it") {
			t.Fatalf("issue %d: %+v", iid, notes)
		}
		answers = append(answers, notes[0].Body)
	}
	if !strings.Contains(answers[0], "stopped unexpectedly") || !strings.Contains(answers[0], "What to do") {
		t.Fatalf("crash reply:\n%s", answers[0])
	}
	if !strings.Contains(answers[1], "time limit") {
		t.Fatalf("timeout reply:\n%s", answers[1])
	}
	if !strings.Contains(answers[2], "fake answer:") {
		t.Fatalf("the request after the failures was not answered:\n%s", answers[2])
	}
	if strings.Contains(w.svc.logs.String(), w.botToken) {
		t.Fatal("the token appeared in the logs")
	}
}

// Someone below MIN_ACCESS_LEVEL gets one short reply and no run.
func TestReporterGetsOnePoliteRefusal(t *testing.T) {
	w := newWorld(t)
	bob := w.g.AddUser("bob", "Bob", false)
	w.g.AddMember(w.proj.ID, bob.ID, fakegitlab.Reporter)
	issue := w.g.CreateIssue(w.proj.ID, bob.ID, "please", "", false)
	ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, bob.ID, "@claude please change everything\nFAKE_CLAUDE write x.txt \"x\"")
	w.deliver(ev, body, http.StatusAccepted)
	notes := w.waitAnswers(fakegitlab.ThreadIssue, ref(issue.IID), 1)
	if len(notes) != 1 || !strings.Contains(notes[0].Body, "Sorry @bob") {
		t.Fatalf("refusal: %+v", notes)
	}
	if len(w.g.MergeRequests(w.proj.ID)) != 0 || len(w.g.Branches(w.proj.ID)) != 1 {
		t.Fatal("a refused request must not change anything")
	}
}

// A confidential issue: nothing public (branch name, MR title and description, commit message)
// quotes the issue. The answer stays in the issue, visible only to who can see the issue.
func TestConfidentialIssueStaysConfidential(t *testing.T) {
	w := newWorld(t)
	issue, _, _ := w.g.OpenIssueEvent(w.proj.ID, w.alice.ID, "Secret vuln in login", "details", true)
	ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID,
		"@claude fix the secret vuln\nFAKE_CLAUDE write fix.txt \"fixed\\n\"\nFAKE_CLAUDE answer Fixed the secret vuln in login.")
	w.deliver(ev, body, http.StatusAccepted)
	notes := w.waitAnswers(fakegitlab.ThreadIssue, ref(issue.IID), 1)
	if !strings.Contains(notes[0].Body, "Fixed the secret vuln") {
		t.Fatalf("answer: %s", notes[0].Body)
	}
	mrs := w.g.MergeRequests(w.proj.ID)
	if len(mrs) != 1 {
		t.Fatalf("MRs: %+v", mrs)
	}
	_, message := w.g.CommitInfo(w.proj.ID, mrs[0].SHA)
	for _, public := range []string{mrs[0].SourceBranch, mrs[0].Title, mrs[0].Description, message} {
		if strings.Contains(strings.ToLower(public), "vuln") || strings.Contains(strings.ToLower(public), "secret") {
			t.Fatalf("confidential text leaked into %q", public)
		}
	}
}
