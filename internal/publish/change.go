package publish

import (
	"context"
	"fmt"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
)

// Change is a job's commit to publish, with what the agent said about it.
type Change struct {
	Text   string // the agent's answer: the merge request's title and description come from it
	Commit string // "": nothing changed
	Base   string // the commit the agent started from
	// Sensitive: the change touches SensitivePaths (CI, the bot's configuration), which a person
	// merges: never auto-merged.
	Sensitive      bool
	SensitivePaths string
}

// Publish pushes the commit, opens the merge request and sets auto-merge, as far as they are not
// recorded yet; a change that is not pushed becomes a suggestion where it can.
func (p *Publisher) Publish(ctx context.Context, j Job, c Change) error {
	if c.Commit == "" {
		return nil
	}
	var pu Pushed
	if !j.Steps.Get(StepPushed, &pu) {
		var err error
		if pu, err = p.push(ctx, j, c); err != nil {
			return err
		}
		if err := j.Steps.Save(ctx, StepPushed, pu); err != nil {
			return err
		}
	}
	if pu.Patch {
		return p.suggest(ctx, j, pu)
	}
	if !pu.OpenMR {
		return nil
	}
	var mr OpenedMR
	if !j.Steps.Get(StepMR, &mr) {
		var err error
		if mr, err = p.openMR(ctx, j, pu, c); err != nil {
			return err
		}
		if err := j.Steps.Save(ctx, StepMR, mr); err != nil {
			return err
		}
	}
	if _, done := j.Steps.Value(StepMerge); !p.Options.AutoMerge || done {
		return nil
	}
	if c.Sensitive {
		return j.Steps.Save(ctx, StepMerge, "the change touches "+c.SensitivePaths+
			", and changes to CI or the bot's configuration are never merged automatically: a person merges them")
	}
	v, err := p.autoMerge(ctx, j, pu, mr)
	if err != nil {
		return err
	}
	return j.Steps.Save(ctx, StepMerge, v)
}

func (p *Publisher) openMR(ctx context.Context, j Job, pu Pushed, c Change) (OpenedMR, error) {
	title, desc := MRText(j.Request, c.Text)
	mr, err := p.MRs.CreateMR(ctx, j.Request.Project.ID, gitlab.MRCreate{
		Source: pu.Branch, Target: pu.MRTarget, Title: title, Description: p.redact(desc), RemoveSourceBranch: true,
	})
	if err != nil {
		return OpenedMR{}, fmt.Errorf("open a merge request from %s: %w", pu.Branch, err)
	}
	j.Log.Info("job: opened merge request", "mr", mr.IID)
	return OpenedMR{IID: mr.IID, URL: mr.WebURL, SHA: pu.SHA}, nil
}
