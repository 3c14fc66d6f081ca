package job

import (
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
)

// The steps publish records are stored with jobs in flight under these names, and job reads them
// (the journal, stop, resume): neither side may rename one.
func TestPublishStepNames(t *testing.T) {
	for stored, names := range map[string][]string{
		"branch": {stepBranch, publish.StepBranch}, "pushed": {stepPushed, publish.StepPushed},
		"mr": {stepMR, publish.StepMR}, "merge": {stepMerge, publish.StepMerge},
		"answered": {stepAnswered, publish.StepAnswered}, "merge_wait": {publish.StepMergeWait},
		"suggestion": {publish.StepSuggestion},
	} {
		for _, n := range names {
			if n != stored {
				t.Errorf("the step stored as %q is named %q", stored, n)
			}
		}
	}
}
