package webhook

import (
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
)

// convert maps a client-go event to ours. Types we do not act on, and payloads client-go could
// not decode, get the header's kind and what the extras say.
func convert(v any, x extras, kind event.Kind) event.Event {
	switch v := v.(type) {
	case *gitlab.IssueEvent:
		return fromIssue(v, x)
	case *gitlab.MergeEvent:
		return fromMerge(v, x)
	case *gitlab.PipelineEvent:
		return fromPipeline(v, x)
	case *gitlab.WikiPageEvent:
		return fromWikiPage(v, x)
	case *gitlab.PushEvent:
		return fromPush(v, x)
	case *gitlab.TagEvent:
		return fromTagPush(v, x)
	case *gitlab.JobEvent:
		return basic(event.KindJob, v.BuildStatus, x)
	case *gitlab.BuildEvent:
		return basic(event.KindJob, v.BuildStatus, x)
	case *gitlab.EmojiEvent:
		return basic(event.KindEmoji, v.ObjectAttributes.Action, x)
	case *gitlab.ReleaseEvent:
		return basic(event.KindRelease, v.Action, x)
	case *gitlab.DeploymentEvent:
		return basic(event.KindDeployment, v.Status, x)
	case *gitlab.MemberEvent:
		return basic(event.KindMember, v.EventName, x)
	}
	return basic(kind, "", x)
}

// basic is an event we do not act on: its kind, action, project and actor are enough to log it.
func basic(kind event.Kind, action string, x extras) event.Event {
	return event.Event{
		Kind:    kind,
		Action:  action,
		Project: projectFromExtras(x),
		Actor:   event.User{ID: x.User.ID, Username: x.User.Username, Name: x.User.Name},
	}
}

func projectFromExtras(x extras) event.Project {
	return event.Project{
		ID:            x.projectID(),
		Path:          x.Project.PathWithNamespace,
		WebURL:        x.Project.WebURL,
		DefaultBranch: x.Project.DefaultBranch,
	}
}

// project fills the gaps of a client-go project (several lack the id) from the extras.
func project(path, webURL, defaultBranch string, x extras) event.Project {
	p := projectFromExtras(x)
	if path != "" {
		p.Path = path
	}
	if webURL != "" {
		p.WebURL = webURL
	}
	if defaultBranch != "" {
		p.DefaultBranch = defaultBranch
	}
	return p
}

func eventUser(u *gitlab.EventUser) event.User {
	if u == nil {
		return event.User{}
	}
	return event.User{ID: u.ID, Username: u.Username, Name: u.Name}
}

func apiUser(u *gitlab.User) event.User {
	if u == nil {
		return event.User{}
	}
	return event.User{ID: u.ID, Username: u.Username, Name: u.Name}
}

func fromPipeline(v *gitlab.PipelineEvent, x extras) event.Event {
	ev := basic(event.KindPipeline, v.ObjectAttributes.Status, x)
	ev.Actor = eventUser(v.User)
	ev.Pipeline = &event.Pipeline{
		ID:     v.ObjectAttributes.ID,
		Status: v.ObjectAttributes.Status,
		Ref:    v.ObjectAttributes.Ref,
		SHA:    v.ObjectAttributes.SHA,
	}
	// A child pipeline's hook names its parent; source_pipeline alone also appears for
	// multi-project pipelines (another project's upstream), which stay pipelines of their own.
	if sp := v.SourcePipeline; v.ObjectAttributes.Source == "parent_pipeline" && sp.PipelineID != 0 &&
		(sp.Project.ID == 0 || sp.Project.ID == v.Project.ID) {
		ev.Pipeline.ParentID = sp.PipelineID
	}
	if mr := v.MergeRequest; mr.IID != 0 {
		ev.Thread = event.Thread{
			Type: event.ThreadMergeRequest, ID: mr.ID, IID: mr.IID, Title: mr.Title, URL: mr.URL,
			State: mr.State, SourceBranch: mr.SourceBranch, TargetBranch: mr.TargetBranch,
			SourceProjectID: mr.SourceProjectID, TargetProjectID: mr.TargetProjectID,
		}
	}
	return ev
}

func fromWikiPage(v *gitlab.WikiPageEvent, x extras) event.Event {
	a := v.ObjectAttributes
	ev := basic(event.KindWikiPage, a.Action, x)
	ev.Actor = eventUser(v.User)
	ev.WikiPage = &event.WikiPage{Slug: a.Slug, Title: a.Title, Content: a.Content, Format: a.Format, URL: a.URL,
		DefaultBranch: v.Wiki.DefaultBranch}
	return ev
}

func fromPush(v *gitlab.PushEvent, x extras) event.Event {
	ev := basic(event.KindPush, "", x)
	ev.Actor = event.User{ID: v.UserID, Username: v.UserUsername, Name: v.UserName}
	return ev
}

func fromTagPush(v *gitlab.TagEvent, x extras) event.Event {
	ev := basic(event.KindTagPush, "", x)
	ev.Actor = event.User{ID: v.UserID, Username: v.UserUsername, Name: v.UserName}
	return ev
}
