package doctor

import (
	"context"
	"time"
)

// ProjectReport is the project checks of one project of a group.
type ProjectReport struct {
	Project string   `json:"project"`
	Results []Result `json:"checks"`
}

// Worst is the report's most serious status.
func (p ProjectReport) Worst() Status {
	rank := map[Status]int{OK: 0, Skip: 1, Warn: 2, Fail: 3}
	worst := OK
	for _, r := range p.Results {
		if rank[r.Status] > rank[worst] {
			worst = r.Status
		}
	}
	return worst
}

// Group runs the token checks once, then the project checks (the bot's rights, pushing to the
// default branch, the webhook unless INTAKE=poll) on every project of the group and its
// subgroups the token can see.
func Group(ctx context.Context, o Options, group string) ([]Result, []ProjectReport) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HookURL == "" && o.Settings.PublicURL != "" {
		o.HookURL = o.Settings.PublicURL + "/webhook"
	}
	d := &doctor{o: o}
	general := []Result{d.reachable(ctx), d.tokenValid(ctx), d.identity(ctx)}
	general = append(general, d.intake(ctx)...)
	if d.user == nil {
		return general, nil
	}
	projects, err := o.GitLab.GroupProjects(ctx, group)
	if err != nil {
		return append(general, fail("group", err.Error(), "check the group's path (as in its URL) and that the bot is a member of it")), nil
	}
	if len(projects) == 0 {
		return append(general, fail("group", group+" has no project the bot can see", "add the bot to the group as Developer (Maintainer to manage webhooks)")), nil
	}
	general = append(general, ok("group", group))
	var reports []ProjectReport
	for _, p := range projects {
		pd := &doctor{o: o, reached: d.reached, token: d.token, user: d.user}
		pd.o.Project = p.Path
		rs := []Result{pd.projectFound(ctx), pd.accessLevel(ctx), pd.defaultBranchPush(ctx)}
		if o.Settings.Webhooks() {
			rs = append(rs, pd.webhook(ctx)...)
		}
		reports = append(reports, ProjectReport{Project: p.Path, Results: rs})
	}
	return general, reports
}
