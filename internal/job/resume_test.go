package job

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

func isCancel(err error) bool { return queue.Cancelled(err) }

func branchNames(bs []fakegitlab.Branch) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.Name)
	}
	return out
}

// A job whose agent ran again after a crash (its first commit already pushed to the branch it
// created) replaces that commit on the same branch: one branch, one MR, one answer.
func TestResumedJobReusesTheBranchItCreated(t *testing.T) {
	run := 0
	h := newHarness(t, func(ctx context.Context, cfg agentConfig, req agentRequest, p progressFn) (agentResult, error) {
		run++
		return writes(fmt.Sprintf("Run %d.", run), map[string]string{"a.txt": fmt.Sprintf("run %d\n", run)})(ctx, cfg, req, p)
	})
	req := h.request("Add a", "@claude add a")
	if err := h.handle(1, 1, 5, req); err != nil {
		t.Fatal(err)
	}
	first := h.g.BranchSHA(h.proj.ID, "claude/issue-1-add-a")
	if first == "" || h.steps.get(1, stepBranch) == "" {
		t.Fatalf("no branch or no branch step: %v", branchNames(h.g.Branches(h.proj.ID)))
	}
	// The process died after the push, before anything after the agent was recorded.
	h.steps.forget(1, stepResult, stepPushed, stepMR, stepMerge, stepAnswered)
	if err := h.handle(1, 2, 5, req); err != nil {
		t.Fatal(err)
	}
	names := branchNames(h.g.Branches(h.proj.ID))
	if len(names) != 2 { // main and ours
		t.Fatalf("branches %v, want main and claude/issue-1-add-a", names)
	}
	second := h.g.BranchSHA(h.proj.ID, "claude/issue-1-add-a")
	if content, _ := h.g.FileAt(h.proj.ID, second, "a.txt"); second == first || content != "run 2\n" {
		t.Fatalf("branch at %s (was %s) holds %q, want the second run's commit", second, first, content)
	}
	if mrs := h.g.MergeRequests(h.proj.ID); len(mrs) != 1 || mrs[0].SHA != second {
		t.Fatalf("MRs: %+v", mrs)
	}
	if notes := h.botNotes(req); len(notes) != 1 || !strings.Contains(notes[0].Body, "Run 2.") {
		t.Fatalf("bot notes: %+v", notes)
	}
}

// The recorded branch name holds somebody else's commit: it is never replaced; the job's own
// name is the fallback.
func TestResumedJobNeverReplacesSomeoneElsesBranch(t *testing.T) {
	h := newHarness(t, writes("Done.", map[string]string{"a.txt": "ours\n"}))
	req := h.request("Add a", "@claude add a")
	h.steps.SaveStep(context.Background(), 7, stepBranch, `{"name":"claude/issue-1-add-a","sha":"0123456789012345678901234567890123456789"}`)
	theirs := h.g.CommitFiles(h.proj.ID, "main", "claude/issue-1-add-a", map[string]string{"b.txt": "theirs\n"})
	if err := h.handle(7, 2, 5, req); err != nil {
		t.Fatal(err)
	}
	if got := h.g.BranchSHA(h.proj.ID, "claude/issue-1-add-a"); got != theirs {
		t.Fatalf("someone else's branch moved from %s to %s", theirs, got)
	}
	if h.g.BranchSHA(h.proj.ID, "claude/issue-1-add-a-7") == "" {
		t.Fatalf("no fallback branch: %v", branchNames(h.g.Branches(h.proj.ID)))
	}
}

// A full disk fails the job with a reply that says so; nothing is retried.
func TestDiskFullFailsTheJobWithAClearReply(t *testing.T) {
	h := newHarness(t, writes("x", nil))
	h.r.Workspaces = fullDisk{}
	req := h.request("Q", "@claude what?")
	err := h.handle(3, 1, 5, req)
	if !isCancel(err) {
		t.Fatalf("Handle: %v, want a cancelled (final) job", err)
	}
	notes := h.botNotes(req)
	if len(notes) != 1 {
		t.Fatalf("bot notes: %+v", notes)
	}
	contains(t, "reply", notes[0].Body, "could not finish", "out of disk space", "free space in DATA_DIR")
}

type fullDisk struct{}

func (fullDisk) Prepare(context.Context, workspace.Project, string) (*workspace.Workspace, error) {
	return nil, fmt.Errorf("prepare acme/demo: git worktree add: %w", syscall.ENOSPC)
}

// GitLab failing on every attempt: the job goes back to the queue while attempts remain, and the
// last one says in the thread that it gave up, and after how many.
func TestTransientFailureGivesUpAfterMaxAttemptsAndSaysSo(t *testing.T) {
	h := newHarness(t, writes("x", nil))
	req := h.request("Q", "@claude what?")
	h.g.InjectFault(fakegitlab.Fault{Method: "GET", PathPattern: `/issues/1$`, Status: 502, Times: -1})
	for attempt := 1; attempt < 3; attempt++ {
		if err := h.handle(4, attempt, 3, req); err == nil || isCancel(err) {
			t.Fatalf("attempt %d: %v, want an error the queue retries", attempt, err)
		}
	}
	if err := h.handle(4, 3, 3, req); !isCancel(err) {
		t.Fatalf("last attempt: %v, want the job ended", err)
	}
	notes := h.botNotes(req)
	if len(notes) != 1 {
		t.Fatalf("bot notes: %+v", notes)
	}
	contains(t, "reply", notes[0].Body, "502", "gave up after 3 attempts")
}

// An answer longer than one note is posted as several, each once, even when the job is resumed
// between parts.
func TestLongAnswerIsPostedInPartsOnce(t *testing.T) {
	long := strings.Repeat("A long line of the answer.\n", 2_500_000/27)
	h := newHarness(t, writes(long, nil))
	req := h.request("Q", "@claude explain everything")
	if err := h.handle(5, 1, 5, req); err != nil {
		t.Fatal(err)
	}
	notes := h.botNotes(req)
	if len(notes) != 3 {
		t.Fatalf("%d bot notes, want 3", len(notes))
	}
	for i, n := range notes {
		if len(n.Body) >= 1_000_000 || n.DiscussionID != req.DiscussionID {
			t.Fatalf("part %d: %d chars, discussion %s (want %s)", i+1, len(n.Body), n.DiscussionID, req.DiscussionID)
		}
	}
	// Died after posting part 3, before recording it and the answer.
	h.steps.forget(5, stepAnswered, stepAnswered+"_part_3")
	if err := h.handle(5, 2, 5, req); err != nil {
		t.Fatal(err)
	}
	if again := h.botNotes(req); len(again) != 3 {
		t.Fatalf("%d bot notes after the resume, want 3", len(again))
	}
}
