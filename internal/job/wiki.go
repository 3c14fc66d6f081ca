package job

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/journal"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/prompt"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

// stepWikiBranch is the wiki repository's branch the edit is pushed to.
const stepWikiBranch = "wiki_branch"

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
	if ok, err := r.admit(ctx, j, r.notFromBot, t.knownAuthor, r.authorised(logOnly)); err != nil || !ok {
		return err
	}
	if ok, err := r.withinBudget(ctx, j, logOnly); err != nil || !ok {
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

// editWiki edits the page and pushes the edit.
func (r *Runner) editWiki(ctx context.Context, j *job) error {
	out, err := r.produceWiki(ctx, j)
	if err != nil {
		return err
	}
	if out.Commit == "" {
		j.log.Info("job: wiki page unchanged", "page", j.req.Wiki.Slug)
		r.note(ctx, j, journal.KindResult, out.Text)
		return r.end(ctx, j, jobstate.Answered, "wiki page unchanged")
	}
	branch, err := r.pushWiki(ctx, j, out)
	if err != nil {
		return err
	}
	j.log.Info("job: wiki page edited", "page", j.req.Wiki.Slug, "branch", branch, "sha", out.Commit,
		"requested_by", j.req.Author.Username)
	r.note(ctx, j, journal.KindResult, out.Text)
	return r.end(ctx, j, jobstate.Answered, "edited wiki page "+j.req.Wiki.Slug+" ("+event.ShortSHA(out.Commit)+")")
}

// produceWiki runs Claude in a worktree of the wiki's repository, removes the request lines from
// the page and commits.
func (r *Runner) produceWiki(ctx context.Context, j *job) (outcome, error) {
	return r.runAndCommit(ctx, j, agentRun{
		project: wikiProject,
		prepare: func(context.Context) (string, error) { return j.req.Wiki.DefaultBranch, nil }, // "": the wiki's HEAD
		run: func(ctx context.Context, ws *workspace.Workspace) (outcome, error) {
			file, err := wikiFile(ws.Dir, j.req.Wiki.Slug, j.req.Wiki.Format)
			if err != nil {
				return outcome{}, err
			}
			out, err := r.runAgent(ctx, j, ws, prompt.Wiki(prompt.WikiInput{Request: j.req, File: file, Instructions: j.settings.Instructions}))
			if err != nil {
				return out, err
			}
			return out, removeRequestLines(filepath.Join(ws.Dir, filepath.FromSlash(file)), r.wikiRules(j))
		},
		message: func(out outcome) string { return publish.WikiCommitMessage(j.req, out.Text, r.jobURL(j)) },
	})
}

func (r *Runner) wikiRules(j *job) trigger.Rules {
	return trigger.Rules{Phrase: r.Settings.TriggerPhrase, BotUsername: j.bot.Username}
}

// wikiProject is the project's wiki repository: <path>.wiki.git next to the project's own,
// derived from the API's clone URL rather than taken from the payload, so the token only ever
// goes to the GitLab it belongs to.
func wikiProject(p gitlab.Project) workspace.Project {
	return workspace.Project{ID: p.ID, Path: p.Path + ".wiki", Wiki: true,
		CloneURL: strings.TrimSuffix(p.HTTPURLToRepo, ".git") + ".wiki.git"}
}

// wikiExt is the file extension GitLab gives a page of each format.
func wikiExt(format string) string {
	switch format {
	case "rdoc":
		return ".rdoc"
	case "asciidoc":
		return ".asciidoc"
	case "org":
		return ".org"
	}
	return ".md"
}

// wikiFile is the page's file in the wiki's worktree, relative to it: <slug>.<ext of format>, or
// the one file named <slug>.* if the format's extension differs.
func wikiFile(dir, slug, format string) (string, error) {
	if !filepath.IsLocal(filepath.FromSlash(slug)) {
		return "", fmt.Errorf("wiki page %q: not a page path", slug)
	}
	name := slug + wikiExt(format)
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name))); err == nil {
		return name, nil
	}
	matches, _ := filepath.Glob(filepath.Join(dir, filepath.FromSlash(slug)+".*"))
	if len(matches) == 1 {
		return filepath.ToSlash(strings.TrimPrefix(matches[0], dir+string(filepath.Separator))), nil
	}
	return "", fmt.Errorf("wiki page %q: no file %s in the wiki's repository", slug, name)
}

// removeRequestLines takes the request out of the page once Claude has done it, so the page does
// not ask again.
func removeRequestLines(path string, rules trigger.Rules) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil // Claude removed or moved the page: nothing to clean
	}
	if err != nil {
		return fmt.Errorf("read the wiki page: %w", err)
	}
	if cleaned := trigger.RemoveRequests(string(b), rules); cleaned != string(b) {
		return os.WriteFile(path, []byte(cleaned), 0o644)
	}
	return nil
}

// pushWiki pushes the commit to the wiki's default branch (the payload's, else the one the wiki's
// HEAD points at), on top of what Claude started from, rebasing once if someone edited meanwhile.
func (r *Runner) pushWiki(ctx context.Context, j *job, out outcome) (string, error) {
	branch := j.steps.values[stepWikiBranch]
	if j.steps.has(stepPushed) {
		return branch, nil
	}
	ws, err := r.resumeWorktree(ctx, j, wikiProject(j.project), out)
	if err != nil {
		return "", err
	}
	if branch == "" {
		if branch, err = wikiBranch(ctx, j, ws, out.Base); err != nil {
			return "", err
		}
		if err := j.steps.save(ctx, stepWikiBranch, branch); err != nil {
			return "", err
		}
	}
	var notApplied *publish.NotAppliedError
	if err := publish.PushWithLease(ctx, ws, branch, ws.BaseSHA, j.log); errors.As(err, &notApplied) {
		return "", fmt.Errorf("the wiki changed while Claude worked and the edit does not apply on top of it: %w", notApplied.Err)
	} else if err != nil {
		return "", fmt.Errorf("push the wiki page: %w", err)
	}
	sha, err := ws.Head(ctx)
	if err != nil {
		return "", err
	}
	return branch, j.steps.save(ctx, stepPushed, pushed{Branch: branch, SHA: sha})
}

// wikiBranch is the branch to push to: the one the payload named, else the wiki HEAD's branch.
func wikiBranch(ctx context.Context, j *job, ws *workspace.Workspace, base string) (string, error) {
	if b := j.req.Wiki.DefaultBranch; b != "" {
		return b, nil
	}
	branches, err := ws.BranchesAt(ctx, base)
	if err != nil {
		return "", err
	}
	for _, b := range []string{"main", "master"} {
		if slices.Contains(branches, b) {
			return b, nil
		}
	}
	if len(branches) > 0 {
		return branches[0], nil
	}
	return "", fmt.Errorf("the wiki's default branch: no branch holds %s", event.ShortSHA(base))
}
