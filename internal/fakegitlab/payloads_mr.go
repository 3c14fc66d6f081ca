package fakegitlab

import (
	"fmt"
	"slices"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// OpenMREvent opens an MR as author and returns it with the "open" Merge Request Hook.
func (g *GitLab) OpenMREvent(projectID, authorID int64, source, target, title, description string) (MergeRequest, string, []byte) {
	mr := g.CreateMR(projectID, authorID, source, target, title, description)
	event, payload := g.MREvent(projectID, mr.IID, authorID, "open")
	return mr, event, payload
}

// MREvent builds the Merge Request Hook for an MR as it is now (open, close, reopen, update,
// merge, approved, …), with no changes listed.
func (g *GitLab) MREvent(projectID, iid, userID int64, action string) (event string, payload []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	return g.mrEvent(p, g.mustMR(p, iid), userID, action, map[string]any{})
}

// EditMREvent changes an MR's description as user and returns the "update" hook with
// changes.description.
func (g *GitLab) EditMREvent(projectID, iid, userID int64, description string) (event string, payload []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	mr := g.mustMR(p, iid)
	prev, prevAt := mr.desc, mr.updated
	mr.desc, mr.updated = description, g.now()
	g.mentionTodos(todoTarget{p: p, kind: ThreadMR, iid: iid}, userID, description, prev)
	return g.mrEvent(p, mr, userID, "update", map[string]any{
		"description":       change(prev, description),
		"updated_at":        change(hookTime(prevAt), hookTime(mr.updated)),
		"last_edited_by_id": change(nil, userID),
	})
}

// RequestReviewEvent sets an MR's reviewers as user and returns the "update" hook with
// changes.reviewers, as when a review is requested from the bot.
func (g *GitLab) RequestReviewEvent(projectID, iid, userID int64, reviewerIDs ...int64) (event string, payload []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	mr := g.mustMR(p, iid)
	prev := mr.reviewers
	mr.reviewers, mr.updated = slices.Clone(reviewerIDs), g.now()
	g.addTodos(todoTarget{p: p, kind: ThreadMR, iid: iid}, userID, TodoReviewRequested, "", newlyAdded(prev, mr.reviewers))
	return g.mrEvent(p, mr, userID, "update", map[string]any{
		"reviewers": change(g.hookUsers(prev), g.hookUsers(mr.reviewers)),
	})
}

// AssignMREvent sets an MR's assignees as user and returns the "update" hook with
// changes.assignees.
func (g *GitLab) AssignMREvent(projectID, iid, userID int64, assigneeIDs ...int64) (event string, payload []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	mr := g.mustMR(p, iid)
	prev := mr.assignees
	mr.assignees, mr.updated = slices.Clone(assigneeIDs), g.now()
	g.addTodos(todoTarget{p: p, kind: ThreadMR, iid: iid}, userID, TodoAssigned, "", newlyAdded(prev, mr.assignees))
	return g.mrEvent(p, mr, userID, "update", map[string]any{
		"assignees": change(g.hookUsers(prev), g.hookUsers(mr.assignees)),
	})
}

func (g *GitLab) mustMR(p *project, iid int64) *mergeRequest {
	mr := p.mrs[iid]
	if mr == nil {
		panic(fmt.Sprintf("fakegitlab: no MR !%d in %s", iid, p.Path))
	}
	return mr
}

func (g *GitLab) mrEvent(p *project, mr *mergeRequest, userID int64, action string, changes map[string]any) (string, []byte) {
	attrs := g.mergeEventAttributes(p, mr)
	attrs.Action = action
	m := toMap(gitlab.MergeEvent{ObjectKind: "merge_request", EventType: "merge_request", ObjectAttributes: *attrs})
	oa := m["object_attributes"].(map[string]any)
	oa["source"], oa["target"] = g.hookProject(p), g.hookProject(p)
	dropLegacyMRKeys(oa)
	delete(oa, "position") // in note payloads only
	m["labels"], m["changes"] = g.eventLabels(p, mr.labels), changes
	m["assignees"], m["reviewers"] = g.hookUsers(mr.assignees), g.hookUsers(mr.reviewers)
	return EventMergeRequest, g.finish(m, p, userID)
}

// dropLegacyMRKeys removes what client-go's struct has but GitLab no longer sends: the
// deprecated merge_when_build_succeeds, st_commits/st_diffs, and oldrev (sent only on updates
// that pushed commits).
func dropLegacyMRKeys(m map[string]any) {
	for _, k := range []string{"merge_when_build_succeeds", "st_commits", "st_diffs"} {
		delete(m, k)
	}
	if m["oldrev"] == "" {
		delete(m, "oldrev")
	}
}

func (g *GitLab) mergeEventAttributes(p *project, mr *mergeRequest) *gitlab.MergeEventObjectAttributes {
	stateID := map[string]gitlab.StateID{"opened": gitlab.StateIDOpen, "closed": gitlab.StateIDClosed, "merged": gitlab.StateIDMerged}[mr.state]
	head := g.mrHead(p, mr)
	c := g.commitJSON(p, head)
	a := &gitlab.MergeEventObjectAttributes{
		ID: mr.id, IID: mr.iid, TargetBranch: mr.target, SourceBranch: mr.source, SourceProjectID: mr.sourceProject(p),
		TargetProjectID: p.ID, AuthorID: mr.authorID, AssigneeIDs: nonNil(mr.assignees),
		ReviewerIDs: nonNil(mr.reviewers), Title: mr.title, Description: mr.desc,
		CreatedAt: hookTime(mr.created), UpdatedAt: hookTime(mr.updated), StateID: stateID,
		State: mr.state, MergeStatus: "can_be_merged", DetailedMergeStatus: g.detailedMergeStatus(p, mr),
		WorkInProgress: mr.draft(), Draft: mr.draft(), MergeCommitSHA: mr.mergeCommit,
		MergeWhenPipelineSucceeds: mr.autoMerge, BlockingDiscussionsResolved: true,
		URL:    fmt.Sprintf("%s/-/merge_requests/%d", p.WebURL, mr.iid),
		Labels: g.eventLabels(p, mr.labels), MergeParams: &gitlab.MergeParams{},
		LastCommit: gitlab.EventMergeRequestLastCommit{
			ID: c.ID, Title: c.Title, Message: c.Message, Timestamp: c.AuthoredDate, URL: c.WebURL,
			Author: gitlab.EventCommitAuthor{Name: c.AuthorName, Email: c.AuthorEmail},
		},
	}
	if a.DetailedMergeStatus == "conflict" {
		a.MergeStatus = "cannot_be_merged"
	}
	if pl := p.pipelines[head]; pl != nil {
		a.HeadPipelineID = &pl.id
	}
	return a
}
