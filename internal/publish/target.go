// Package publish owns what the service shows in GitLab: where code goes (branch, MR) and the text
// of the progress note, the answer and failure replies, decided by pure functions; and the calls
// that carry them out (Publisher: post the answer, push, open the MR, set auto-merge, suggest),
// each a recorded step of the job.
package publish

import (
	"fmt"
	"regexp"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// TargetInput is what the push decision depends on.
type TargetInput struct {
	Request       trigger.Request
	DefaultBranch string
	BranchPrefix  string
	UseMR         bool // GITLAB_USE_MR
	// For merge request threads: the MR's source branch, whether it lives in the same project,
	// and whether the bot may push to it.
	SourceBranch    string
	SameProject     bool
	SourcePushable  bool
	SourceProtected bool
	// RequesterPush: whether the person who asked may push to the source branch themselves, and
	// the rule that says so. The bot's token may be stronger: its rights never stand in for theirs.
	RequesterPush Right
	// For an MR from a fork: whether it allows commits from members who can merge to the target
	// branch, whether the requester may merge there (GitLab's condition for such pushes), and
	// the fork's repository URL ("" when the bot cannot see the fork).
	AllowCollaboration bool
	ForkPush           Right
	ForkURL            string
}

// Target is where a change goes.
type Target struct {
	Branch   string // branch to push to
	Existing bool   // the branch exists and is not ours: push on top, never force
	OpenMR   bool   // open a merge request from Branch
	MRTarget string // the MR's target branch
	URL      string // push to this repository (a fork's) instead of the project's
	Patch    bool   // push nothing: the reply carries the change as a patch
}

// ChooseTarget applies DESIGN.md step 7: on an MR thread whose source branch is in the same
// project and pushable by the bot and by the requester, and GITLAB_USE_MR is off, the source
// branch; otherwise a new branch of ours with a merge request.
func ChooseTarget(in TargetInput) Target {
	r := in.Request
	if r.Thread.Type == event.ThreadMergeRequest && !in.SameProject && in.SourceBranch != "" {
		// A fork's commits never go into the project: its own branch, where GitLab would let the
		// requester push, or a patch in the reply.
		if in.AllowCollaboration && in.ForkPush.Allowed && in.ForkURL != "" && !in.UseMR {
			return Target{Branch: in.SourceBranch, Existing: true, URL: in.ForkURL}
		}
		return Target{Patch: true}
	}
	if r.Thread.Type == event.ThreadMergeRequest && in.SameProject && in.SourcePushable &&
		in.RequesterPush.Allowed && !in.SourceProtected && !in.UseMR && in.SourceBranch != "" {
		return Target{Branch: in.SourceBranch, Existing: true}
	}
	t := Target{Branch: BranchName(in.BranchPrefix, r), OpenMR: true, MRTarget: in.DefaultBranch}
	if r.Thread.Type == event.ThreadMergeRequest && in.SourceBranch != "" && in.SameProject {
		// A change asked for on an MR we cannot push to goes to an MR into that MR's branch.
		t.MRTarget = in.SourceBranch
	}
	return t
}

// Why says, for the answer, why a change asked for on a merge request did not go to its source
// branch; "" when it did, or when the thread is not a merge request.
func Why(in TargetInput, t Target) string {
	if in.Request.Thread.Type != event.ThreadMergeRequest || t.Existing || in.SourceBranch == "" {
		return ""
	}
	if t.Patch {
		const patch = ", so nothing was pushed: the change is below as a patch"
		switch {
		case in.UseMR:
			return "the merge request comes from a fork and GITLAB_USE_MR is set" + patch
		case !in.AllowCollaboration:
			return "the merge request comes from a fork that does not allow commits from members who can merge to the target branch" + patch
		case !in.ForkPush.Allowed:
			return "the merge request comes from a fork, and " + in.ForkPush.Rule + " (GitLab lets only those push to the fork's branch)" + patch
		}
		return "the merge request comes from a fork the bot cannot reach" + patch
	}
	after := fmt.Sprintf(", so the change is on a new branch with a merge request into `%s`", t.MRTarget)
	switch {
	case in.UseMR:
		return "GITLAB_USE_MR is set" + after
	case !in.RequesterPush.Allowed:
		return in.RequesterPush.Rule + after
	case in.SourceProtected:
		return fmt.Sprintf("the branch `%s` is protected", in.SourceBranch) + after
	case !in.SourcePushable:
		return fmt.Sprintf("the bot may not push to `%s`", in.SourceBranch) + after
	}
	return ""
}

// FallbackTarget is where a change goes when the push to t was refused as protected: a branch of
// ours and a merge request into the branch we meant to push to.
func FallbackTarget(in TargetInput, refused Target) Target {
	return Target{Branch: BranchName(in.BranchPrefix, in.Request), OpenMR: true, MRTarget: refused.Branch}
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// BranchName is prefix + "issue-<iid>-<slug>" (or mr-, commit-, snippet-); the slug comes from the
// thread's title, except for confidential threads, whose titles must not become public.
func BranchName(prefix string, r trigger.Request) string {
	var kind, id string
	switch r.Thread.Type {
	case event.ThreadMergeRequest:
		kind, id = "mr", fmt.Sprint(r.Thread.IID)
	case event.ThreadCommit:
		kind, id = "commit", event.ShortSHA(r.Thread.CommitSHA)
	case event.ThreadSnippet:
		kind, id = "snippet", fmt.Sprint(r.Thread.ID)
	default:
		kind, id = "issue", fmt.Sprint(r.Thread.IID)
	}
	name := kind + "-" + id
	if slug := slugify(r.Thread.Title); slug != "" && !r.Confidential && !r.Thread.Confidential {
		name += "-" + slug
	}
	return prefix + name
}

func slugify(s string) string {
	s = strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 40 {
		s = strings.TrimRight(s[:40], "-")
	}
	return s
}
