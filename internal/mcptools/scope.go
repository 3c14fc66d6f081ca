package mcptools

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/review"
)

// GitLab is what the tools read (gitlab.Client in production): every call goes through it.
type GitLab interface {
	Project(ctx context.Context, idOrPath string) (gitlab.Project, error)
	Issue(ctx context.Context, projectID, iid int64) (gitlab.Thread, error)
	MergeRequest(ctx context.Context, projectID, iid int64) (gitlab.MR, error)
	ListNotes(ctx context.Context, t gitlab.ThreadRef, opts gitlab.ListNotesOptions) ([]gitlab.Note, error)
	SearchIssues(ctx context.Context, projectID int64, s gitlab.Search) ([]gitlab.Thread, error)
	SearchMergeRequests(ctx context.Context, projectID int64, s gitlab.Search) ([]gitlab.MR, error)
	MergeRequestDiff(ctx context.Context, projectID, iid int64, maxBytes int) ([]gitlab.DiffFile, error)
	MergeRequestVersions(ctx context.Context, projectID, iid int64) ([]gitlab.DiffVersion, error)
	MergeRequestVersionDiff(ctx context.Context, projectID, iid, versionID int64) ([]gitlab.DiffFile, error)
	RawFile(ctx context.Context, projectID int64, path, ref string) ([]byte, error)
	Tree(ctx context.Context, projectID int64, path, ref string, max int) ([]gitlab.TreeEntry, bool, error)
	Compare(ctx context.Context, projectID int64, from, to string, max int) ([]gitlab.CommitInfo, int, error)
	PipelineJobs(ctx context.Context, projectID, pipelineID int64, max int) ([]gitlab.CIJob, error)
	JobTraceTail(ctx context.Context, projectID, jobID int64, maxBytes int) (string, bool, error)
}

// Names of the tools (mcp__gitlab__<name> for the CLI).
const (
	ToolReadIssue        = "read_issue"
	ToolReadMergeRequest = "read_merge_request"
	ToolSearch           = "search"
	ToolMRChanges        = "merge_request_changes"
	ToolReadPath         = "read_path"
	ToolCommits          = "commits_between"
	ToolPipelineJobs     = "pipeline_jobs"
	ToolJobLog           = "job_log"
	ToolUpdateProgress   = "update_progress" // write: the job's progress checklist
	ToolAddFinding       = "add_finding"     // write: an inline finding of a review
)

// ReadTools are the tools every job may be offered.
var ReadTools = []string{ToolReadIssue, ToolReadMergeRequest, ToolSearch, ToolMRChanges, ToolReadPath,
	ToolCommits, ToolPipelineJobs, ToolJobLog}

// ProgressItem is one line of the checklist Claude keeps.
type ProgressItem struct {
	Text string `json:"text" jsonschema:"what this step is, in a few words"`
	Done bool   `json:"done,omitempty" jsonschema:"whether the step is finished"`
}

// Scope is what one job's tools may reach and do.
type Scope struct {
	JobID       int64
	ProjectID   int64
	ProjectPath string
	// Confidential: the job's thread is itself confidential, so confidential issues and
	// internal notes of its own project are readable. Never for another project.
	Confidential bool
	// OtherProjects are the paths of other projects readable by the read tools (from the
	// project's settings file, within ALLOWED_PROJECTS).
	OtherProjects []string
	// Tools are the tools offered (Offered); the write tools also need their func below.
	Tools []string
	// Record puts a line in the job's transcript (kind "tool" or "error"); nil: none.
	Record func(kind, text string)
	// Progress replaces the checklist of the job's progress note (update_progress).
	Progress func([]ProgressItem)
	// Finding buffers an inline finding of a review job (add_finding); the job posts it
	// through the review path once the run ends.
	Finding func(review.Finding) error
	// MaxCalls bounds the tool calls of the run (DefaultMaxCalls when 0): a run cannot spend
	// the bot's GitLab rate limit, which every job shares.
	MaxCalls int
}

// DefaultMaxCalls is how many tool calls one run may make.
const DefaultMaxCalls = 200

func (s Scope) withDefaults() Scope {
	if s.Record == nil {
		s.Record = func(string, string) {}
	}
	if s.MaxCalls <= 0 {
		s.MaxCalls = DefaultMaxCalls
	}
	return s
}

// offers reports whether the tool is offered to this job.
func (s Scope) offers(name string) bool {
	switch name {
	case ToolUpdateProgress:
		if s.Progress == nil {
			return false
		}
	case ToolAddFinding:
		if s.Finding == nil {
			return false
		}
	}
	return slices.Contains(s.Tools, name)
}

// Wanted are the tools a job with this scope needs: the read tools, update_progress when it
// keeps a checklist (Progress), add_finding when it is a review (Finding).
func (s Scope) Wanted() []string {
	wanted := slices.Clone(ReadTools)
	if s.Progress != nil {
		wanted = append(wanted, ToolUpdateProgress)
	}
	if s.Finding != nil {
		wanted = append(wanted, ToolAddFinding)
	}
	return wanted
}

// Offered picks, from the tools a job needs, those its allowed tools permit: the whole server
// (mcp__gitlab) or the tool by its name (mcp__gitlab__read_issue). CLAUDE_ALLOWED_TOOLS and the
// project's allowed_tools turn tools off this way.
func Offered(allowed []string, wanted ...string) []string {
	var out []string
	for _, name := range wanted {
		if slices.Contains(allowed, ToolPrefix) || slices.Contains(allowed, ToolPrefix+"__"+name) {
			out = append(out, name)
		}
	}
	return out
}

// target is a project a call reads.
type target struct {
	id   int64
	path string
	home bool // the job's own project
}

// project resolves the project a call names: the job's own when empty, another only when listed.
func (g *grant) project(ctx context.Context, gl GitLab, name string) (target, error) {
	sc := g.scope
	name = strings.Trim(strings.TrimSpace(name), "/")
	if name == "" || strings.EqualFold(name, sc.ProjectPath) || name == strconv.FormatInt(sc.ProjectID, 10) {
		return target{id: sc.ProjectID, path: sc.ProjectPath, home: true}, nil
	}
	if !slices.ContainsFunc(sc.OtherProjects, func(p string) bool { return strings.EqualFold(p, name) }) {
		return target{}, fmt.Errorf("project %q is not open to this job: only %s, and the projects its settings file lists under gitlab_tools_projects", name, sc.ProjectPath)
	}
	g.mu.Lock()
	id, ok := g.projects[strings.ToLower(name)]
	g.mu.Unlock()
	if !ok {
		p, err := gl.Project(ctx, name)
		if err != nil {
			return target{}, err
		}
		id = p.ID
		g.mu.Lock()
		g.projects[strings.ToLower(name)] = id
		g.mu.Unlock()
	}
	return target{id: id, path: name}, nil
}

// seesConfidential: confidential issues and internal notes of t are readable by this job.
func (g *grant) seesConfidential(t target) bool { return t.home && g.scope.Confidential }
