package publish

import (
	"fmt"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// PipelineHeading opens the note of a pipeline fix on the MR: which pipeline failed where, and
// which of the allowed fixes this is.
func PipelineHeading(pl *trigger.PipelineRef, attempt, limit int) string {
	return fmt.Sprintf("🔧 **Pipeline #%d failed** on `%s`: fix %d of at most %d (`PIPELINE_FIX_ATTEMPTS`).", pl.ID, pl.Branch, attempt, limit)
}
