package trigger

import "fmt"

// Task is what a request asks of the job. The zero value is TaskAnswer, so a request that names
// no task (every one stored before tasks had names) is an answer.
type Task int

// The tasks, each run by one handler of the job package.
const (
	TaskAnswer      Task = iota // answer in the thread, and change code if asked (the default)
	TaskReview                  // review the merge request with comments on its diff lines
	TaskPipelineFix             // fix a failed pipeline on one of the bot's branches
	TaskWikiEdit                // edit a wiki page as the page itself asks
	TaskStop                    // cancel the thread's queued and running requests ("@claude stop")
)

// taskNames are the names stored in the queue's arguments and shown by `jobs show`; they are
// the names the earlier string type stored, and must not change.
var taskNames = [...]string{
	TaskAnswer:      "answer",
	TaskReview:      "review",
	TaskPipelineFix: "pipeline_fix",
	TaskWikiEdit:    "wiki_edit",
	TaskStop:        "stop",
}

// Tasks lists every task, in order.
func Tasks() []Task {
	return []Task{TaskAnswer, TaskReview, TaskPipelineFix, TaskWikiEdit, TaskStop}
}

func (t Task) String() string {
	if t < 0 || int(t) >= len(taskNames) {
		return fmt.Sprintf("task(%d)", int(t))
	}
	return taskNames[t]
}

// MarshalText writes the task's name.
func (t Task) MarshalText() ([]byte, error) {
	if t < 0 || int(t) >= len(taskNames) {
		return nil, fmt.Errorf("unknown task %d", int(t))
	}
	return []byte(taskNames[t]), nil
}

// UnmarshalText reads a task's name. "" is an answer: jobs queued before the answer task had a
// name carry it so.
func (t *Task) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*t = TaskAnswer
		return nil
	}
	for i, name := range taskNames {
		if name == string(b) {
			*t = Task(i)
			return nil
		}
	}
	return fmt.Errorf("unknown task %q", b)
}
