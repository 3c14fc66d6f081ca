package fakegitlab

import (
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// Both API generations of auto-merge: before 17.11 auto_merge is ignored and the call merges at
// once; merge_when_pipeline_succeeds arms it while the head pipeline runs; with no pipeline
// every version merges at once. A push of a commit with .gitlab-ci.yml makes a pipeline (held
// back on request).
func TestAutoMergeByVersionAndPushPipelines(t *testing.T) {
	for _, c := range []struct {
		version   string
		opts      gitlab.AcceptMergeRequestOptions
		pipeline  bool
		wantArmed bool
	}{
		{"17.8.0-ee", gitlab.AcceptMergeRequestOptions{AutoMerge: gitlab.Ptr(true)}, true, false},
		{"17.8.0-ee", gitlab.AcceptMergeRequestOptions{MergeWhenPipelineSucceeds: gitlab.Ptr(true)}, true, true},
		{"17.11.0-ee", gitlab.AcceptMergeRequestOptions{AutoMerge: gitlab.Ptr(true)}, true, true},
		{"18.2.0-ee", gitlab.AcceptMergeRequestOptions{AutoMerge: gitlab.Ptr(true), MergeWhenPipelineSucceeds: gitlab.Ptr(true)}, false, false},
	} {
		w := newWorld(t, Options{Version: c.version})
		if !c.pipeline {
			w.g.HoldPipelines(w.p.ID, true)
		}
		dir := w.clone(t, w.botToken)
		write(t, dir, ".gitlab-ci.yml", "test:\n  script: go test ./...\n")
		gitRun(t, dir, "add", "-A")
		gitRun(t, dir, "-c", "user.name=Bot", "-c", "user.email=bot@example.com", "commit", "-qm", "ci")
		gitRun(t, dir, "push", "-q", "origin", "HEAD:refs/heads/feature")
		mr := w.g.CreateMR(w.p.ID, w.alice.ID, "feature", "main", "F", "")
		if got := w.g.PipelineOf(w.p.ID, mr.SHA); (got == "running") != c.pipeline {
			t.Fatalf("%s: pipeline of the pushed commit: %q", c.version, got)
		}
		got, _, err := w.client(t, w.aliceToken).MergeRequests.AcceptMergeRequest(w.p.ID, mr.IID, &c.opts)
		if err != nil {
			t.Fatal(err)
		}
		if armed := got.State == "opened" && got.MergeWhenPipelineSucceeds; armed != c.wantArmed || !armed && got.State != "merged" {
			t.Fatalf("%s %+v (pipeline %t): state %s, auto-merge %t", c.version, c.opts, c.pipeline, got.State, got.MergeWhenPipelineSucceeds)
		}
	}
}
