package trigger_test

import (
	"encoding/json"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

func TestTaskNames(t *testing.T) {
	want := map[trigger.Task]string{
		trigger.TaskAnswer: "answer", trigger.TaskReview: "review", trigger.TaskPipelineFix: "pipeline_fix",
		trigger.TaskWikiEdit: "wiki_edit", trigger.TaskStop: "stop",
	}
	if len(trigger.Tasks()) != len(want) {
		t.Fatalf("Tasks() = %v; want the %d named tasks", trigger.Tasks(), len(want))
	}
	for _, task := range trigger.Tasks() {
		if task.String() != want[task] {
			t.Errorf("%d.String() = %q, want %q", int(task), task.String(), want[task])
		}
		b, err := json.Marshal(trigger.Request{Task: task})
		if err != nil {
			t.Fatal(err)
		}
		var back trigger.Request
		if err := json.Unmarshal(b, &back); err != nil || back.Task != task {
			t.Errorf("%s: round trip through %s gave %v (%v)", task, b, back.Task, err)
		}
	}
}

// Jobs queued, and steps recorded, before the answer task had a name carry "" or no task at all:
// they still decode as answers; the other names are those the string type stored.
func TestTaskDecodesWhatIsStored(t *testing.T) {
	for stored, want := range map[string]trigger.Task{
		`{"reason":"mention"}`:                               trigger.TaskAnswer,
		`{"reason":"mention","task":""}`:                     trigger.TaskAnswer,
		`{"reason":"mention","task":"answer"}`:               trigger.TaskAnswer,
		`{"reason":"mention","task":"review"}`:               trigger.TaskReview,
		`{"reason":"pipeline_failed","task":"pipeline_fix"}`: trigger.TaskPipelineFix,
		`{"reason":"wiki_page","task":"wiki_edit"}`:          trigger.TaskWikiEdit,
		`{"reason":"mention","task":"stop"}`:                 trigger.TaskStop,
	} {
		var req trigger.Request
		if err := json.Unmarshal([]byte(stored), &req); err != nil || req.Task != want {
			t.Errorf("%s: task %v (%v), want %v", stored, req.Task, err, want)
		}
	}
	var req trigger.Request
	if err := json.Unmarshal([]byte(`{"task":"dance"}`), &req); err == nil {
		t.Errorf("an unknown task decoded as %v; want an error", req.Task)
	}
	if got := trigger.Task(42).String(); got != "task(42)" {
		t.Errorf("Task(42).String() = %q", got)
	}
}
