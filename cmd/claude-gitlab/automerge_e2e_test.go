package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// On a GitLab before 17.11 (the fake plays 17.8: auto_merge is ignored, a merge call without a
// head pipeline merges at once), auto-merge waits for the pushed commit's pipeline: while GitLab
// has not made it, the MR stays open and unarmed; once it runs, auto-merge is set with
// merge_when_pipeline_succeeds and the MR merges when it succeeds. (Control runs: calling
// SetAutoMerge without awaitPipeline merges the MR at once, with no pipeline; sending auto_merge
// alone merges it at once too.)
func TestAutoMergeWaitsForThePipelineOnOldGitLab(t *testing.T) {
	w := newWorld(t, "GITLAB_AUTO_MERGE=true")
	w.g.CommitFiles(w.proj.ID, "main", "main", map[string]string{".gitlab-ci.yml": "test:\n  script: go test ./...\n"})
	w.g.HoldPipelines(w.proj.ID, true)
	issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Changelog", "", false)
	ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID, "@claude add a changelog\nFAKE_CLAUDE write CHANGELOG.md \"# Changelog\\n\"")
	w.deliver(ev, body, http.StatusAccepted)

	// The bot has opened the MR and looked for its pipeline twice (GitLab has made none yet), or
	// has already asked for a merge.
	w.waitFor("the bot polling the MR's pipeline", 45*time.Second, func() bool {
		return w.g.CountRequests("GET", `/merge_requests/1$`) >= 2 || w.g.CountRequests("PUT", `/merge_requests/1/merge$`) > 0
	})
	mr := w.g.MergeRequests(w.proj.ID)[0]
	if mr.State != "opened" || mr.AutoMerge {
		t.Fatalf("before any pipeline exists: %+v", mr)
	}
	if n := w.g.CountRequests("PUT", `/merge_requests/1/merge$`); n != 0 {
		t.Fatalf("%d merge calls before the pipeline exists", n)
	}
	w.g.HoldPipelines(w.proj.ID, false)
	w.waitFor("auto-merge armed", 45*time.Second, func() bool { return w.g.MergeRequests(w.proj.ID)[0].AutoMerge })
	answer := w.waitAnswers(fakegitlab.ThreadIssue, ref(issue.IID), 1)[0].Body
	if !strings.Contains(answer, "Set to merge automatically when the pipeline succeeds") {
		t.Fatalf("the reply does not say auto-merge is set:\n%s", answer)
	}
	w.g.SetPipeline(w.proj.ID, mr.SHA, "success")
	if got := w.g.MergeRequests(w.proj.ID)[0]; got.State != "merged" {
		t.Fatalf("after the pipeline succeeded: %+v", got)
	}
}

// A project without CI gets no auto-merge (GitLab would merge at once), and the reply says so.
func TestNoAutoMergeWithoutCI(t *testing.T) {
	w := newWorld(t, "GITLAB_AUTO_MERGE=true")
	issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Changelog", "", false)
	ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID, "@claude add a changelog\nFAKE_CLAUDE write CHANGELOG.md \"# Changelog\\n\"")
	w.deliver(ev, body, http.StatusAccepted)
	answer := w.waitAnswers(fakegitlab.ThreadIssue, ref(issue.IID), 1)[0].Body
	mr := w.g.MergeRequests(w.proj.ID)[0]
	if mr.State != "opened" || mr.AutoMerge {
		t.Fatalf("without CI: %+v", mr)
	}
	if !strings.Contains(answer, "Auto-merge was not set: the commit has no CI configuration (`.gitlab-ci.yml`)") {
		t.Fatalf("the reply does not say why:\n%s", answer)
	}
}
