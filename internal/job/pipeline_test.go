package job

import (
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
)

// Attempts are the bot's fix notes on the MR: not its other notes, not a human quoting one, not
// the note of the job counting.
func TestCountPipelineFixes(t *testing.T) {
	const bot, human = 9, 5
	fix := func(job int64) string { return "🔧 fixed\n" + marker.PipelineFix + "\n" + marker.Job(job) }
	notes := []gitlab.Note{
		{AuthorID: bot, Body: fix(1)},
		{AuthorID: bot, Body: "an answer\n" + marker.Job(2)},
		{AuthorID: human, Body: "> " + fix(1)},
		{AuthorID: bot, Body: "help\n" + marker.PipelineHelp},
		{AuthorID: bot, Body: fix(3)},
	}
	if n := CountPipelineFixes(notes, bot, 7); n != 2 {
		t.Fatalf("counted %d fixes, want 2", n)
	}
	if n := CountPipelineFixes(notes, bot, 3); n != 1 {
		t.Fatalf("counted %d fixes with job 3's own note, want 1", n)
	}
}
