package publish

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

var update = flag.Bool("update", false, "rewrite golden files")

func req(t event.ThreadType, iid int64, title string) trigger.Request {
	return trigger.Request{Thread: event.Thread{Type: t, IID: iid, Title: title, CommitSHA: "0123456789abcdef"}}
}

func TestChooseTarget(t *testing.T) {
	mr := req(event.ThreadMergeRequest, 4, "Add login")
	issue := req(event.ThreadIssue, 12, "Crash on start: nil map!")
	cases := []struct {
		name string
		in   TargetInput
		want Target
	}{
		{"issue → new branch + MR to default", TargetInput{Request: issue, DefaultBranch: "main", BranchPrefix: "claude/"},
			Target{Branch: "claude/issue-12-crash-on-start-nil-map", OpenMR: true, MRTarget: "main"}},
		{"MR, same project, pushable → its source branch", TargetInput{Request: mr, DefaultBranch: "main", BranchPrefix: "claude/", SourceBranch: "feat", SameProject: true, SourcePushable: true, RequesterPush: Right{Allowed: true}},
			Target{Branch: "feat", Existing: true}},
		{"MR with GITLAB_USE_MR → new branch + MR into the source branch", TargetInput{Request: mr, DefaultBranch: "main", BranchPrefix: "claude/", SourceBranch: "feat", SameProject: true, SourcePushable: true, RequesterPush: Right{Allowed: true}, UseMR: true},
			Target{Branch: "claude/mr-4-add-login", OpenMR: true, MRTarget: "feat"}},
		{"MR from a fork without collaboration → a patch, nothing pushed", TargetInput{Request: mr, DefaultBranch: "main", BranchPrefix: "claude/", SourceBranch: "feat", SameProject: false, SourcePushable: true, RequesterPush: Right{Allowed: true}, ForkPush: Right{Allowed: true}, ForkURL: "http://g/f.git"},
			Target{Patch: true}},
		{"MR from a fork the requester may not push to → a patch", TargetInput{Request: mr, DefaultBranch: "main", BranchPrefix: "claude/", SourceBranch: "feat", AllowCollaboration: true, ForkURL: "http://g/f.git"},
			Target{Patch: true}},
		{"MR from a fork allowing collaboration, requester may merge → the fork's branch", TargetInput{Request: mr, DefaultBranch: "main", BranchPrefix: "claude/", SourceBranch: "feat", AllowCollaboration: true, ForkPush: Right{Allowed: true}, ForkURL: "http://g/f.git"},
			Target{Branch: "feat", Existing: true, URL: "http://g/f.git"}},
		{"MR with a protected source branch → new branch + MR into it", TargetInput{Request: mr, DefaultBranch: "main", BranchPrefix: "bot/", SourceBranch: "release", SameProject: true, SourcePushable: true, RequesterPush: Right{Allowed: true}, SourceProtected: true},
			Target{Branch: "bot/mr-4-add-login", OpenMR: true, MRTarget: "release"}},
		{"MR the bot cannot push to", TargetInput{Request: mr, DefaultBranch: "main", BranchPrefix: "claude/", SourceBranch: "feat", SameProject: true, RequesterPush: Right{Allowed: true}},
			Target{Branch: "claude/mr-4-add-login", OpenMR: true, MRTarget: "feat"}},
		{"MR the requester may not push to", TargetInput{Request: mr, DefaultBranch: "main", BranchPrefix: "claude/", SourceBranch: "feat", SameProject: true, SourcePushable: true},
			Target{Branch: "claude/mr-4-add-login", OpenMR: true, MRTarget: "feat"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ChooseTarget(c.in); got != c.want {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
	fb := FallbackTarget(TargetInput{Request: mr, BranchPrefix: "claude/"}, Target{Branch: "feat", Existing: true})
	if fb != (Target{Branch: "claude/mr-4-add-login", OpenMR: true, MRTarget: "feat"}) {
		t.Fatalf("fallback: %+v", fb)
	}
}

func TestBranchNameHidesConfidentialTitles(t *testing.T) {
	r := req(event.ThreadIssue, 3, "Security hole in login")
	r.Confidential = true
	if got := BranchName("claude/", r); got != "claude/issue-3" {
		t.Fatalf("got %q", got)
	}
	long := req(event.ThreadIssue, 5, strings.Repeat("word ", 30))
	if got := BranchName("claude/", long); len(got) > len("claude/issue-5-")+40 || strings.HasSuffix(got, "-") {
		t.Fatalf("long title: %q", got)
	}
	if got := BranchName("x/", req(event.ThreadCommit, 0, "")); got != "x/commit-01234567" {
		t.Fatalf("commit: %q", got)
	}
}

func TestAnswerTruncatesHugeText(t *testing.T) {
	got := Answer(strings.Repeat("a", MaxNoteChars+500), Footer{JobID: 1})
	if len(got) > 1_000_000 || !strings.Contains(got, "too long") || !strings.Contains(got, marker.Job(1)) {
		t.Fatalf("len %d", len(got))
	}
}

func TestGoldenTexts(t *testing.T) {
	texts := map[string]string{
		"progress.md": Progress(42, "https://bot.example.com/jobs/42?t=abc", []Step{{"Read the request", true}, {"Read `main.go`", true}, {"Run `go test ./...`", false}}),
		"answer_change.md": Answer("I fixed the nil map.\n", Footer{JobID: 42, JobURL: "https://bot.example.com/jobs/42?t=abc", Duration: 83 * time.Second, Turns: 7, CostUSD: 0.0812,
			Branch: "claude/issue-12-crash", BranchURL: "https://gitlab.example.com/g/p/-/tree/claude/issue-12-crash",
			CommitSHA: "89abcdef0123456789abcdef0123456789abcdef", CommitURL: "https://gitlab.example.com/g/p/-/commit/89abcdef",
			MRURL: "https://gitlab.example.com/g/p/-/merge_requests/13", MRIID: 13, AutoMerge: "set"}),
		"answer_question.md":            Answer("It is a webhook service.", Footer{JobID: 7, Duration: 5 * time.Second, Turns: 1, CostUSD: 0.01}),
		"failure.md":                    Failure(9, "", "The Claude CLI stopped after 20m0s (CLAUDE_TIMEOUT).", "Ask again with a smaller request, or raise CLAUDE_TIMEOUT."),
		"unauthorised.md":               Unauthorised(3, "mallory", "Developer", ""),
		"unauthorised_shared_groups.md": Unauthorised(3, "mallory", "Developer", "16.11.0"),
		"queued.md":                     Queued(5, "https://bot.example.com/jobs/5?t=abc", 1, 3),
		"cancelled.md":                  CancelledWhileQueued(5, "https://bot.example.com/jobs/5?t=abc"),
	}
	for name, got := range texts {
		path := filepath.Join("testdata", name)
		if *update {
			os.MkdirAll("testdata", 0o755)
			os.WriteFile(path, []byte(got), 0o644)
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./internal/publish -update)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
		}
	}
}

func TestAcknowledgementSaysQueuedOrStarted(t *testing.T) {
	cases := []struct {
		project, all int
		started      bool
		phrase       string
	}{
		{0, 0, true, "Claude is working on it"},
		{0, 1, false, "Ahead of it: 0 requests in this project, 1 request overall."},
		{2, 5, false, "Ahead of it: 2 requests in this project, 5 requests overall."},
	}
	for _, c := range cases {
		body, started := Acknowledgement(8, "", c.project, c.all)
		if started != c.started || !strings.Contains(body, c.phrase) || !strings.Contains(body, marker.Job(8)) {
			t.Errorf("Acknowledgement(%d, %d) = %t, %q", c.project, c.all, started, body)
		}
	}
	if got, want := Started(8, "u"), Progress(8, "u", []Step{{Text: "Read the request"}}); got != want {
		t.Errorf("Started = %q, want the progress note's first step unchecked: %q", got, want)
	}
}

func TestWhyExplainsEveryFallback(t *testing.T) {
	mr := req(event.ThreadMergeRequest, 4, "x")
	base := TargetInput{Request: mr, DefaultBranch: "main", BranchPrefix: "claude/", SourceBranch: "feat", SameProject: true, SourcePushable: true, RequesterPush: Right{Allowed: true}}
	if got := Why(base, ChooseTarget(base)); got != "" {
		t.Fatalf("pushing to the source branch needs no explanation: %q", got)
	}
	cases := map[string]func(*TargetInput){
		"GITLAB_USE_MR":          func(in *TargetInput) { in.UseMR = true },
		"does not allow commits": func(in *TargetInput) { in.SameProject = false },
		"protected":              func(in *TargetInput) { in.SourceProtected = true },
		"may not push to `feat`": func(in *TargetInput) { in.SourcePushable = false },
		"rule `feat` allows only": func(in *TargetInput) {
			in.RequesterPush = Right{Rule: "@bob (Developer) may not push to `feat`: the protected-branch rule `feat` allows only Maintainers and above"}
		},
	}
	for want, change := range cases {
		in := base
		change(&in)
		if got := Why(in, ChooseTarget(in)); !strings.Contains(got, want) {
			t.Errorf("%s: got %q", want, got)
		}
	}
}

func TestLongAnswerIsSplitBelowGitLabsLimit(t *testing.T) {
	var b strings.Builder
	for b.Len() < 2*MaxNoteChars+1000 {
		b.WriteString("Some line of the answer, with ünïcödé.\n")
		if b.Len()%(MaxNoteChars/3) < 40 {
			b.WriteString("```go\nfunc f() {}\n")
		}
	}
	text := b.String()
	parts := AnswerParts(text, Footer{JobID: 12})
	if len(parts) != 3 {
		t.Fatalf("%d parts, want 3", len(parts))
	}
	var joined strings.Builder
	for i, p := range parts {
		if len(p) >= 1_000_000 || !utf8.ValidString(p) {
			t.Fatalf("part %d: %d bytes, valid UTF-8 %v", i+1, len(p), utf8.ValidString(p))
		}
		if strings.Count(p, "```")%2 != 0 {
			t.Fatalf("part %d leaves a code block open", i+1)
		}
		if i == 0 {
			if !strings.Contains(p, marker.Job(12)) || !strings.Contains(p, "turns") || !strings.Contains(p, "continued below: 3 parts") {
				t.Fatalf("first part lacks marker, footer or continuation")
			}
			continue
		}
		if !strings.Contains(p, marker.Part(12, i+1)) || strings.Contains(p, marker.Job(12)) || !strings.Contains(p, fmt.Sprintf("part %d of 3", i+1)) {
			t.Fatalf("part %d: wrong marker or header", i+1)
		}
	}
	for _, p := range parts {
		joined.WriteString(strings.ReplaceAll(p, "```", ""))
	}
	for _, probe := range []string{text[:100], text[MaxNoteChars : MaxNoteChars+100], text[len(text)-100:]} {
		if !strings.Contains(joined.String(), strings.ReplaceAll(probe, "```", "")) {
			t.Fatalf("text lost around %q", probe[:20])
		}
	}
	if short := AnswerParts("short", Footer{JobID: 1}); len(short) != 1 || short[0] != Answer("short", Footer{JobID: 1}) {
		t.Fatalf("a short answer must be one note equal to Answer")
	}
}

func TestHugeAnswerIsCutAfterMaxParts(t *testing.T) {
	parts := AnswerParts(strings.Repeat("x", 50<<20), Footer{JobID: 3})
	if len(parts) != MaxParts || !strings.Contains(parts[0], "too long") {
		t.Fatalf("%d parts; first says cut: %v", len(parts), strings.Contains(parts[0], "too long"))
	}
}
