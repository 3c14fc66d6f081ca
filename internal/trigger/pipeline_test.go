package trigger_test

import (
	"errors"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
	wt "gitlab.com/claude-gitlab/claude-gitlab/internal/webhook/webhooktest"
)

// GitLab's pipeline sample with status failed, on a branch of the bot: a branch pipeline (no
// merge_request), or a merge request pipeline whose source branch is the bot's.
func TestPipelineRule(t *testing.T) {
	on := trigger.Rules{BotID: botID, BotUsername: "claude-bot", PipelineFix: true, BranchPrefix: "claude/"}
	branch := func(ref string, more ...any) func(wt.Payload) {
		return set(append([]any{"object_attributes.status", "failed", "object_attributes.ref", ref, "merge_request", nil}, more...)...)
	}
	noPrefix := on
	noPrefix.BranchPrefix = ""
	off := on
	off.PipelineFix = false
	cases := []struct {
		name   string
		edit   func(wt.Payload)
		rules  trigger.Rules
		branch string // "" when ignored
		iid    int64
	}{
		{"failed on a bot branch", branch("claude/fix-1"), on, "claude/fix-1", 0},
		{"MR pipeline, bot source branch", set("object_attributes.status", "failed", "merge_request.source_branch", "claude/fix-2"), on, "claude/fix-2", 1},
		{"MR pipeline, other source branch", set("object_attributes.status", "failed", "object_attributes.ref", "claude/x"), on, "", 0},
		{"MR pipeline from a fork", set("object_attributes.status", "failed", "merge_request.source_branch", "claude/f", "merge_request.source_project_id", 77), on, "", 0},
		{"the sample itself: success", nil, on, "", 0},
		{"running", branch("claude/fix-1", "object_attributes.status", "running"), on, "", 0},
		{"failed on a human branch", branch("feature/login"), on, "", 0},
		{"prefix only inside the name", branch("feature/claude/x"), on, "", 0},
		{"PIPELINE_FIX off", branch("claude/fix-1"), off, "", 0},
		{"empty BRANCH_PREFIX", branch("claude/fix-1"), noPrefix, "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := parse(t, "pipeline_success.json", c.edit)
			req, err := trigger.Match(ev, c.rules)
			if c.branch == "" {
				if !errors.Is(err, trigger.ErrIgnored) {
					t.Fatalf("want ignored, got %+v, %v", req, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if req.Task != trigger.TaskPipelineFix || req.Reason != trigger.ReasonPipelineFailed || req.Pipeline == nil ||
				req.Pipeline.ID != 31 || req.Pipeline.Branch != c.branch || req.Pipeline.SHA != "bcbb5ec396a2c0f828686f14fac9b80b780504f2" ||
				req.Thread.IID != c.iid || req.URL != "http://192.168.64.1:3005/gitlab-org/gitlab-test/-/pipelines/31" {
				t.Fatalf("request %+v pipeline %+v", req, req.Pipeline)
			}
			if key := trigger.ObjectKey(ev); key != "pipeline:1:31" {
				t.Fatalf("dedupe key %q", key)
			}
		})
	}
	// Two failed pipelines of one branch without a known MR run one after the other.
	ev := parse(t, "pipeline_success.json", branch("claude/fix-1"))
	req, _ := trigger.Match(ev, on)
	if got := req.ThreadKey(); got != "1/branch/claude/fix-1" {
		t.Fatalf("thread key %q", got)
	}
}
