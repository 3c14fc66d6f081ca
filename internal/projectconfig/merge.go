package projectconfig

import (
	"fmt"
	"slices"
	"strings"
)

// Operator is what the operator's settings allow: the ceiling of every project.
type Operator struct {
	Model        string // CLAUDE_MODEL; "" leaves the choice to the CLI, and to projects
	MaxTurns     int
	MaxBudgetUSD float64 // 0: no per-run limit
	AllowedTools []string
	UseMR        bool
	AutoMerge    bool
	AutoReview   bool // whether the server offers automatic reviews at all
	BranchPrefix string
	// AllowedProjects is ALLOWED_PROJECTS (exact paths or group/*): the other projects a file
	// may open to the GitLab tools lie within it. Empty: any.
	AllowedProjects []string
}

// Effective is what applies to one job: the operator's settings narrowed by the project's file.
type Effective struct {
	Operator
	Instructions   string   `json:",omitempty"`
	ForbiddenPaths []string `json:",omitempty"`
	SensitivePaths []string `json:",omitempty"` // the project's additions to DefaultSensitive
	// ToolProjects are other projects the GitLab tools may read.
	ToolProjects []string `json:",omitempty"`
	// Source is the file the settings came from, "" when none applied.
	Source string `json:",omitempty"`
}

// Refusal is a setting of the file that asked for more than the operator allows; the operator's
// value stays in force for it.
type Refusal struct {
	Line    int
	Setting string
	Why     string
}

func (r Refusal) String() string {
	return fmt.Sprintf("line %d, `%s`: %s", r.Line, r.Setting, r.Why)
}

// Apply narrows the operator's settings by the file's. What would widen them is refused and
// listed; the rest applies.
func Apply(op Operator, f File) (Effective, []Refusal) {
	e := Effective{Operator: op}
	e.AllowedTools = slices.Clone(op.AllowedTools)
	var refused []Refusal
	refuse := func(line int, setting, format string, args ...any) {
		refused = append(refused, Refusal{line, setting, fmt.Sprintf(format, args...)})
	}
	if v := f.Instructions; v != nil {
		e.Instructions = v.V
	}
	if v := f.ForbiddenPaths; v != nil {
		e.ForbiddenPaths = slices.Clone(v.V)
	}
	if v := f.SensitivePaths; v != nil {
		e.SensitivePaths = slices.Clone(v.V)
	}
	if v := f.BranchPrefix; v != nil {
		e.BranchPrefix = v.V
	}
	if v := f.Model; v != nil {
		if ok, why := modelAllowed(op.Model, v.V); ok {
			e.Model = v.V
		} else {
			refuse(v.Line, "model", "%s", why)
		}
	}
	if v := f.MaxTurns; v != nil {
		if v.V <= op.MaxTurns || op.MaxTurns <= 0 {
			e.MaxTurns = v.V
		} else {
			refuse(v.Line, "max_turns", "%d is more than the server allows (CLAUDE_MAX_TURNS=%d)", v.V, op.MaxTurns)
		}
	}
	if v := f.MaxBudgetUSD; v != nil {
		if op.MaxBudgetUSD <= 0 || v.V <= op.MaxBudgetUSD {
			e.MaxBudgetUSD = v.V
		} else {
			refuse(v.Line, "max_budget_usd", "$%g is more than the server allows (CLAUDE_MAX_BUDGET_USD=%g)", v.V, op.MaxBudgetUSD)
		}
	}
	narrowTools(&e, op, f, refuse)
	narrowBool(&e.UseMR, op.UseMR, f.UseMR, true, "use_mr", "GITLAB_USE_MR is true on this server: changes always go through a merge request", &refused)
	narrowBool(&e.AutoMerge, op.AutoMerge, f.AutoMerge, false, "auto_merge", "GITLAB_AUTO_MERGE is off on this server", &refused)
	narrowBool(&e.AutoReview, op.AutoReview, f.AutoReview, false, "auto_review", "AUTO_REVIEW is off on this server", &refused)
	return e, refused
}

// narrowTools applies allowed_tools and gitlab_tools_projects within the operator's lists.
func narrowTools(e *Effective, op Operator, f File, refuse func(line int, setting, format string, args ...any)) {
	if v := f.AllowedTools; v != nil {
		var keep, extra []string
		for _, t := range v.V {
			if toolWithin(op.AllowedTools, t) {
				keep = append(keep, t)
			} else {
				extra = append(extra, t)
			}
		}
		switch {
		case len(extra) > 0:
			// The whole list is refused: a list cut down by us is neither what the project
			// asked for nor what the operator set.
			refuse(v.Line, "allowed_tools", "%s not in the server's CLAUDE_ALLOWED_TOOLS (%s)",
				quoteList(extra), strings.Join(op.AllowedTools, ", "))
		case len(keep) > 0:
			e.AllowedTools = keep
		}
	}
	if v := f.ToolProjects; v != nil {
		for _, p := range v.V {
			if projectWithin(op.AllowedProjects, p) {
				e.ToolProjects = append(e.ToolProjects, p)
			} else {
				refuse(v.Line, "gitlab_tools_projects", "%s is not in the server's ALLOWED_PROJECTS (%s)", p, strings.Join(op.AllowedProjects, ", "))
			}
		}
	}
}

// narrowBool applies a yes/no setting where safe is the narrower value: a project may always
// ask for safe, and for the other value only when the operator allows it.
func narrowBool(dst *bool, op bool, v *Value[bool], safe bool, name, why string, refused *[]Refusal) {
	if v == nil {
		return
	}
	if v.V == safe || op == v.V {
		*dst = v.V
		return
	}
	*refused = append(*refused, Refusal{v.Line, name, why})
}

// Model families from the cheapest up; a project may pick the operator's family or a cheaper one.
var families = []string{"haiku", "sonnet", "opus"}

func family(model string) int {
	m := strings.ToLower(model)
	for i, f := range families {
		if strings.Contains(m, f) {
			return i + 1
		}
	}
	return 0
}

func modelAllowed(op, want string) (bool, string) {
	switch {
	case op == "" || strings.EqualFold(op, want):
		return true, ""
	case family(op) == 0:
		return false, fmt.Sprintf("the server uses the model %s (CLAUDE_MODEL) and no other", op)
	case family(want) == 0 || family(want) > family(op):
		return false, fmt.Sprintf("%s is not a model of the %s family or a cheaper one (CLAUDE_MODEL=%s)", want, families[family(op)-1], op)
	}
	return true, ""
}

func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = "`" + s + "`"
	}
	if len(q) == 1 {
		return q[0] + " is"
	}
	return strings.Join(q, ", ") + " are"
}

// toolWithin: the operator allows the tool itself, or the MCP server it belongs to (mcp__gitlab
// allows mcp__gitlab__read_issue).
func toolWithin(allowed []string, tool string) bool {
	if slices.Contains(allowed, tool) {
		return true
	}
	server, _, ok := strings.Cut(strings.TrimPrefix(tool, "mcp__"), "__")
	return ok && strings.HasPrefix(tool, "mcp__") && slices.Contains(allowed, "mcp__"+server)
}

// projectWithin applies ALLOWED_PROJECTS: exact paths, or "group/*" for everything below group.
func projectWithin(list []string, path string) bool {
	if len(list) == 0 {
		return true
	}
	for _, p := range list {
		if strings.HasSuffix(p, "/*") && strings.HasPrefix(strings.ToLower(path), strings.ToLower(strings.TrimSuffix(p, "*"))) {
			return true
		}
		if strings.EqualFold(p, path) {
			return true
		}
	}
	return false
}
