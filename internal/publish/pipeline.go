package publish

import (
	"fmt"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// PipelineHeading opens the note of a pipeline fix on the MR: which pipeline failed where, and
// which of the allowed fixes this is.
func PipelineHeading(pl *trigger.PipelineRef, attempt, limit int) string {
	return fmt.Sprintf("🔧 **Pipeline #%d failed** on `%s`: fix %d of at most %d (`PIPELINE_FIX_ATTEMPTS`).", pl.ID, pl.Branch, attempt, limit)
}

// PipelineProgress is the progress note of a pipeline fix; it carries the fix marker from the
// start, so the attempt counts as soon as it is visible.
func PipelineProgress(jobID int64, jobURL string) string {
	return Progress(jobID, jobURL, []Step{{Text: "Read the logs of the failed jobs"}}) + "\n" + marker.PipelineFix
}

// PipelineFixNote is the answer of a pipeline fix on the MR: the fix marker, the heading and
// Claude's text.
func PipelineFixNote(pl *trigger.PipelineRef, attempt, limit int, text string) string {
	return marker.PipelineFix + "\n" + PipelineHeading(pl, attempt, limit) + "\n\n" + text
}

// PipelineHelpNote asks a human to look at a pipeline that still fails after limit fixes.
func PipelineHelpNote(req trigger.Request, limit int) string {
	return fmt.Sprintf("🆘 **The pipeline still fails** on `%s` (%s). I tried to fix it %d times "+
		"(`PIPELINE_FIX_ATTEMPTS`) and stop here: could a human have a look, please?\n\n%s",
		req.Pipeline.Branch, pipelineLink(req), limit, marker.PipelineHelp)
}

func pipelineLink(req trigger.Request) string {
	if req.URL == "" {
		return fmt.Sprintf("pipeline #%d", req.Pipeline.ID)
	}
	return fmt.Sprintf("[pipeline #%d](%s)", req.Pipeline.ID, req.URL)
}
