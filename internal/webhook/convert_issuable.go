package webhook

import (
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
)

func fromIssue(v *gitlab.IssueEvent, x extras) event.Event {
	a := v.ObjectAttributes
	ev := basic(event.KindIssue, a.Action, x)
	ev.Project = project(v.Project.PathWithNamespace, v.Project.WebURL, v.Project.DefaultBranch, x)
	ev.Actor = eventUser(v.User)
	ev.Thread = event.Thread{
		Type: event.ThreadIssue, ID: a.ID, IID: a.IID, Title: a.Title, Description: a.Description,
		URL: a.URL, State: a.State, Confidential: a.Confidential, AuthorID: a.AuthorID,
		AssigneeIDs: assignees(a.AssigneeIDs, a.AssigneeID), UpdatedAt: a.UpdatedAt,
	}
	ev.Confidential = a.Confidential
	c := v.Changes
	ev.Changes = event.Changes{
		Title:       stringChange(x, "title", c.Title.Previous, c.Title.Current),
		Description: stringChange(x, "description", c.Description.Previous, c.Description.Current),
		AssigneeIDs: usersChange(x, "assignees", c.Assignees.Previous, c.Assignees.Current),
		Labels:      labelsChange(x, c.Labels.Previous, c.Labels.Current),
	}
	ev.Thread.Labels = labelTitles(a.Labels)
	return ev
}

func fromMerge(v *gitlab.MergeEvent, x extras) event.Event {
	a := v.ObjectAttributes
	ev := basic(event.KindMergeRequest, a.Action, x)
	ev.Project = project(v.Project.PathWithNamespace, v.Project.WebURL, v.Project.DefaultBranch, x)
	ev.Actor = eventUser(v.User)
	ev.Thread = event.Thread{
		Type: event.ThreadMergeRequest, ID: a.ID, IID: a.IID, Title: a.Title,
		Description: a.Description, URL: a.URL, State: a.State, AuthorID: a.AuthorID,
		AssigneeIDs: assignees(a.AssigneeIDs, a.AssigneeID), ReviewerIDs: a.ReviewerIDs,
		UpdatedAt: a.UpdatedAt, SourceBranch: a.SourceBranch, TargetBranch: a.TargetBranch,
		SourceProjectID: a.SourceProjectID, TargetProjectID: a.TargetProjectID,
		HeadSHA: a.LastCommit.ID, Draft: a.Draft || a.WorkInProgress, OldRev: a.OldRev,
	}
	c := v.Changes
	ev.Changes = event.Changes{
		Title:       stringChange(x, "title", c.Title.Previous, c.Title.Current),
		Description: stringChange(x, "description", c.Description.Previous, c.Description.Current),
		AssigneeIDs: usersChange(x, "assignees", c.Assignees.Previous, c.Assignees.Current),
		ReviewerIDs: usersChange(x, "reviewers", c.Reviewers.Previous, c.Reviewers.Current),
		Labels:      labelsChange(x, c.Labels.Previous, c.Labels.Current),
	}
	ev.Thread.Labels = labelTitles(v.Labels)
	if x.changed("draft") {
		ev.Changes.Draft = &event.Change[bool]{Previous: c.Draft.Previous, Current: c.Draft.Current}
	}
	return ev
}

// assignees prefers the list; older payloads (and the confidential sample) only have the single
// assignee_id.
func assignees(ids []int64, single int64) []int64 {
	if len(ids) == 0 && single != 0 {
		return []int64{single}
	}
	return ids
}

func stringChange(x extras, key, prev, cur string) *event.Change[string] {
	if !x.changed(key) {
		return nil
	}
	return &event.Change[string]{Previous: prev, Current: cur}
}

func usersChange(x extras, key string, prev, cur []*gitlab.EventUser) *event.Change[[]int64] {
	if !x.changed(key) {
		return nil
	}
	return &event.Change[[]int64]{Previous: userIDs(prev), Current: userIDs(cur)}
}

func userIDs(users []*gitlab.EventUser) []int64 {
	ids := make([]int64, 0, len(users))
	for _, u := range users {
		if u != nil {
			ids = append(ids, u.ID)
		}
	}
	return ids
}

func labelsChange(x extras, prev, cur []*gitlab.EventLabel) *event.Change[[]string] {
	if !x.changed("labels") {
		return nil
	}
	return &event.Change[[]string]{Previous: labelTitles(prev), Current: labelTitles(cur)}
}

func labelTitles(labels []*gitlab.EventLabel) []string {
	var out []string
	for _, l := range labels {
		if l != nil {
			out = append(out, l.Title)
		}
	}
	return out
}
