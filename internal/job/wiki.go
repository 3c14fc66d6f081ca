package job

import (
	"context"
	"errors"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/journal"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/prompt"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

// wikiTask handles a wiki page that asks the bot for something (WIKI_ENABLED): Claude edits the
// page in a worktree of the wiki's git repository, the request lines are removed, and the change
// is committed as the bot, with what was done and for whom in the commit message, and pushed to
// the wiki's default branch. A wiki page has no thread: refusals are only logged, and the log and
// the job's page tell the rest.
type wikiTask struct {
	r      *Runner
	people People // the page's author: the wiki hook names them without an id
}

func (t wikiTask) Run(ctx context.Context, j *job) error {
	r := t.r
	if ok, err := r.admit(ctx, j, r.notFromBot, t.knownAuthor, r.authorised, r.beginPage, r.withinBudget); err != nil || !ok {
		return err
	}
	return r.editWiki(ctx, j)
}

// knownAuthor: the wiki hook names its user without an id, so the id is looked up (Authorize
// needs it); an unknown user is refused quietly.
func (t wikiTask) knownAuthor(ctx context.Context, j *job) (bool, error) {
	if j.req.Author.ID != 0 {
		return true, nil
	}
	u, err := t.people.UserByUsername(ctx, j.req.Author.Username)
	if errors.Is(err, gitlab.ErrNoSuchUser) {
		j.log.Info("job: request by an unknown user; ignored", "author", j.req.Author.Username)
		return false, t.r.end(ctx, j, jobstate.Refused, "unknown user")
	}
	if err != nil {
		return false, err
	}
	j.req.Author.ID = u.ID
	return true, nil
}

// editWiki edits the page and pushes the edit (publish.PushWiki) from the wiki's worktree.
func (r *Runner) editWiki(ctx context.Context, j *job) error {
	out, err := r.produceWiki(ctx, j)
	if err != nil {
		return err
	}
	detail := publish.WikiUnchanged
	if out.Commit == "" {
		j.log.Info("job: wiki page unchanged", "page", j.req.Wiki.Slug)
	} else {
		branch, err := publish.PushWiki(ctx, r.publishJob(j, out), out.Base)
		if err != nil {
			return err
		}
		j.log.Info("job: wiki page edited", "page", j.req.Wiki.Slug, "branch", branch, "sha", out.Commit,
			"requested_by", j.req.Author.Username)
		detail = publish.WikiEdited(j.req.Wiki.Slug, out.Commit)
	}
	r.note(ctx, j, journal.KindResult, out.Text)
	return r.end(ctx, j, jobstate.Answered, detail)
}

// produceWiki runs Claude in a worktree of the wiki's repository, removes the request lines from
// the page, so that it does not ask again, and commits.
func (r *Runner) produceWiki(ctx context.Context, j *job) (outcome, error) {
	rules := trigger.Rules{Phrase: r.Settings.TriggerPhrase, BotUsername: j.bot.Username}
	return r.runAndCommit(ctx, j, agentRun{
		prepare: func(context.Context) (string, error) { return j.req.Wiki.DefaultBranch, nil }, // "": the wiki's HEAD
		run: func(ctx context.Context, ws *workspace.Workspace) (outcome, error) {
			file, err := workspace.WikiFile(ws.Dir, j.req.Wiki.Slug, j.req.Wiki.Format)
			if err != nil {
				return outcome{}, err
			}
			out, err := r.runAgent(ctx, j, ws, prompt.Wiki(prompt.WikiInput{Request: j.req, File: file, Instructions: j.settings.Instructions}))
			if err != nil {
				return out, err
			}
			return out, workspace.EditWikiPage(ws.Dir, file, func(page string) string { return trigger.RemoveRequests(page, rules) })
		},
		message: func(out outcome) string { return publish.WikiCommitMessage(j.req, out.Text, r.jobURL(j)) },
	})
}
