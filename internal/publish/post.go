package publish

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
)

// PostAnswer turns the progress note (noteID) into the final reply: the agent's text and the
// footer f, which it completes from the recorded steps (where the change went, its merge request,
// auto-merge), in as many notes as the text takes. Each further note is a recorded step.
func (p *Publisher) PostAnswer(ctx context.Context, j Job, noteID int64, text string, f Footer) error {
	p.changeFooter(ctx, j, &f)
	parts := AnswerParts(text, f)
	if err := p.Notes.UpdateNote(ctx, j.Thread, noteID, p.redact(parts[0])); err != nil {
		return fmt.Errorf("post the answer: %w", err)
	}
	for i := 1; i < len(parts); i++ {
		if err := p.postPart(ctx, j, i+1, parts[i]); err != nil {
			return err
		}
	}
	j.Log.Info("job: answered", "note", noteID, "parts", len(parts), "commit", f.CommitSHA, "mr", f.MRIID)
	return nil
}

// changeFooter fills in what the footer says about the change, from the recorded steps.
func (p *Publisher) changeFooter(ctx context.Context, j Job, f *Footer) {
	var pu Pushed
	if j.Steps.Get(StepPushed, &pu) && pu.Patch {
		f.Fallback, f.Patch, f.HasPatch = pu.Fallback, pu.PatchText, true
		if at, _ := j.Steps.Value(StepSuggestion); at != "" && at != "none" {
			f.Fallback += fmt.Sprintf("; it is also a suggestion on `%s`, to apply with one click", at)
		}
	} else if v, _ := j.Steps.Value(StepPushed); v != "" {
		project, _ := j.Project(ctx) // links are a courtesy: without them the answer still stands
		web := strings.TrimRight(project.WebURL, "/")
		f.Branch, f.CommitSHA, f.Fallback, f.Rule = pu.Branch, pu.SHA, pu.Fallback, pu.Rule
		f.BranchURL = web + "/-/tree/" + strings.ReplaceAll(url.PathEscape(pu.Branch), "%2F", "/")
		f.CommitURL = web + "/-/commit/" + pu.SHA
	}
	var mr OpenedMR
	if j.Steps.Get(StepMR, &mr) {
		f.MRURL, f.MRIID = mr.URL, mr.IID
	}
	if v, ok := j.Steps.Value(StepMerge); ok {
		f.AutoMerge = v
	}
}

// postPart posts the k-th note of a long answer as a reply in the discussion, once: each is a
// recorded step, and after a crash between posting and recording it is found by its marker.
func (p *Publisher) postPart(ctx context.Context, j Job, k int, body string) error {
	step := fmt.Sprintf("%s_part_%d", StepAnswered, k)
	if _, done := j.Steps.Value(step); done {
		return nil
	}
	n, _, err := p.PostOnce(ctx, j, fmt.Sprintf("part %d of the answer", k), body, marker.Part(j.ID, k), j.Attempt > 1)
	if err != nil {
		return err
	}
	return j.Steps.Save(ctx, step, strconv.FormatInt(n.ID, 10))
}

// PostOnce posts body (redacted) in the job's discussion with mark, unless lookup finds a note
// with mark there already, posted before a crash or a lost reply: found says so, and n is that
// note. Callers look only on a job's later attempts, when something of it can be there; what
// names the note in errors.
func (p *Publisher) PostOnce(ctx context.Context, j Job, what, body, mark string, lookup bool) (n gitlab.Note, found bool, err error) {
	if lookup {
		if n, found, err = p.Notes.FindNote(ctx, j.Thread, mark); err != nil {
			return n, false, fmt.Errorf("look for %s: %w", what, err)
		} else if found {
			return n, true, nil
		}
	}
	if n, err = p.Notes.PostNote(ctx, j.Thread, j.Request.DiscussionID, p.redact(body), j.confidential(), mark); err != nil {
		return n, false, fmt.Errorf("post %s: %w", what, err)
	}
	return n, false, nil
}
