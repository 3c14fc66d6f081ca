package publish

// The steps publishing records. Their names are stored with the jobs in flight, which resume by
// them: never rename one.
const (
	StepBranch     = "branch"     // the new branch about to be pushed, and its commit
	StepPushed     = "pushed"     // the commit is on GitLab (or, Patch, kept for the reply)
	StepMR         = "mr"         // the merge request opened
	StepMerge      = "merge"      // auto-merge set, or why not
	StepMergeWait  = "merge_wait" // when the wait for the MR's head pipeline began
	StepSuggestion = "suggestion" // the patch's one-line change as a suggestion ("path:line"), or "none"
	StepAnswered   = "answered"   // the final reply; its k-th note is StepAnswered + "_part_k"
)

// Pushed is where a commit went.
type Pushed struct {
	Branch   string `json:"branch"`
	SHA      string `json:"sha"`
	OpenMR   bool   `json:"open_mr"`
	MRTarget string `json:"mr_target,omitempty"`
	Fallback string `json:"fallback,omitempty"`
	Rule     string `json:"rule,omitempty"` // the requester's right that allowed this push
	// Patch: nothing was pushed (an MR from a fork); the reply carries the change as this patch.
	Patch     bool   `json:"patch,omitempty"`
	PatchText string `json:"patch_text,omitempty"`
	Fork      string `json:"fork,omitempty"` // the fork's repository, when pushed there
	Base      string `json:"base,omitempty"` // the commit a patch applies to
}

// OpenedMR is the merge request a job opened.
type OpenedMR struct {
	IID int64  `json:"iid"`
	URL string `json:"url"`
	SHA string `json:"sha"`
}

// BranchIntent is the new branch a job is about to create and the commit it pushes there,
// recorded before the push: a job resumed after a crash knows that a branch of that name whose
// tip is that commit is its own.
type BranchIntent struct {
	Name string `json:"name"`
	SHA  string `json:"sha"`
}
