// Package projectconfig reads a project's own settings file (.claude-gitlab.yml or
// .gitlab/claude.yml on the default branch) and merges it with the operator's settings, which are
// the ceiling: a project may narrow what the bot may do, never widen it.
package projectconfig

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Paths are where the file is looked for on the default branch, in order; the first found wins.
var Paths = []string{".claude-gitlab.yml", ".gitlab/claude.yml"}

// MaxFileBytes bounds the file: it is read on every job.
const MaxFileBytes = 64 << 10

// Limits of single values.
const (
	maxInstructions = 8000
	maxListItems    = 100
)

// Value is a setting of the file with the line it is on.
type Value[T any] struct {
	V    T
	Line int
}

// File is what a project's file asks for; nil fields are not set.
type File struct {
	Instructions   *Value[string]
	Model          *Value[string]
	MaxTurns       *Value[int]
	MaxBudgetUSD   *Value[float64]
	AllowedTools   *Value[[]string]
	UseMR          *Value[bool]
	AutoMerge      *Value[bool]
	AutoReview     *Value[bool]
	BranchPrefix   *Value[string]
	ForbiddenPaths *Value[[]string]
	SensitivePaths *Value[[]string] // added to DefaultSensitive, never replacing it
	// ToolProjects are other projects Claude's GitLab tools may read (gitlab_tools_projects).
	ToolProjects *Value[[]string]
}

// Problem is something wrong in the file, at a line (0 when the file as a whole is wrong).
type Problem struct {
	Line int
	Msg  string
}

func (p Problem) String() string {
	if p.Line == 0 {
		return p.Msg
	}
	return fmt.Sprintf("line %d: %s", p.Line, p.Msg)
}

// keys are the settings a file may have, each with how to read it.
var keys = map[string]func(f *File, n *yaml.Node, line int) *Problem{
	"instructions": func(f *File, n *yaml.Node, line int) *Problem {
		s, p := str(n, "instructions", maxInstructions)
		f.Instructions = &Value[string]{s, line}
		return p
	},
	"model": func(f *File, n *yaml.Node, line int) *Problem {
		s, p := str(n, "model", 100)
		if p == nil && !modelName.MatchString(s) {
			p = &Problem{n.Line, fmt.Sprintf("`model` %q is not a model name such as sonnet or claude-sonnet-4-5", s)}
		}
		f.Model = &Value[string]{s, line}
		return p
	},
	"max_turns": func(f *File, n *yaml.Node, line int) *Problem {
		v, p := integer(n, "max_turns", 1, 1000)
		f.MaxTurns = &Value[int]{v, line}
		return p
	},
	"max_budget_usd": func(f *File, n *yaml.Node, line int) *Problem {
		v, p := number(n, "max_budget_usd")
		f.MaxBudgetUSD = &Value[float64]{v, line}
		return p
	},
	"allowed_tools": func(f *File, n *yaml.Node, line int) *Problem {
		v, p := list(n, "allowed_tools")
		f.AllowedTools = &Value[[]string]{v, line}
		return p
	},
	"use_mr":      func(f *File, n *yaml.Node, line int) *Problem { return boolean(n, line, "use_mr", &f.UseMR) },
	"auto_merge":  func(f *File, n *yaml.Node, line int) *Problem { return boolean(n, line, "auto_merge", &f.AutoMerge) },
	"auto_review": func(f *File, n *yaml.Node, line int) *Problem { return boolean(n, line, "auto_review", &f.AutoReview) },
	"branch_prefix": func(f *File, n *yaml.Node, line int) *Problem {
		s, p := str(n, "branch_prefix", 50)
		if p == nil && !validPrefix(s) {
			p = &Problem{n.Line, fmt.Sprintf("`branch_prefix` %q is not a valid start of a branch name (letters, digits, . _ - /; such as claude/)", s)}
		}
		f.BranchPrefix = &Value[string]{s, line}
		return p
	},
	"gitlab_tools_projects": func(f *File, n *yaml.Node, line int) *Problem {
		v, p := list(n, "gitlab_tools_projects")
		for _, path := range v {
			if p == nil && !projectPath.MatchString(path) {
				p = &Problem{n.Line, fmt.Sprintf("`gitlab_tools_projects`: %q is not a project's full path such as group/project", path)}
			}
		}
		f.ToolProjects = &Value[[]string]{v, line}
		return p
	},
	"forbidden_paths": func(f *File, n *yaml.Node, line int) *Problem {
		v, p := list(n, "forbidden_paths")
		for _, pat := range v {
			if p == nil {
				if _, err := compile(pat); err != nil {
					p = &Problem{n.Line, fmt.Sprintf("`forbidden_paths`: %v", err)}
				}
			}
		}
		f.ForbiddenPaths = &Value[[]string]{v, line}
		return p
	},
	"sensitive_paths": func(f *File, n *yaml.Node, line int) *Problem {
		v, p := list(n, "sensitive_paths")
		for _, pat := range v {
			if p == nil {
				if _, err := compile(pat); err != nil {
					p = &Problem{n.Line, fmt.Sprintf("`sensitive_paths`: %v", err)}
				}
			}
		}
		f.SensitivePaths = &Value[[]string]{v, line}
		return p
	},
}

// Keys lists the settings a file may have, sorted.
func Keys() []string {
	out := make([]string, 0, len(keys))
	for k := range keys {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var (
	projectPath = regexp.MustCompile(`^[A-Za-z0-9_.][A-Za-z0-9_.-]*(/[A-Za-z0-9_.][A-Za-z0-9_.-]*)+$`)
	modelName   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:@/\[\]-]*$`)
	yamlLine    = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
)

// Parse reads a file. With any problem, none of the file applies: the caller runs with the
// operator's settings and tells the project what to fix.
func Parse(data []byte) (File, []Problem) {
	var f File
	if len(data) > MaxFileBytes {
		return f, []Problem{{0, fmt.Sprintf("the file is larger than %d KiB", MaxFileBytes>>10)}}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return f, []Problem{syntaxProblem(err)}
	}
	if len(doc.Content) == 0 {
		return f, nil // empty file: nothing asked
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return f, []Problem{{root.Line, "the file must be a mapping of settings, such as `max_turns: 10`"}}
	}
	var problems []Problem
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		read, ok := keys[k.Value]
		switch {
		case !ok:
			problems = append(problems, Problem{k.Line, fmt.Sprintf("unknown setting `%s` (known: %s)", k.Value, strings.Join(Keys(), ", "))})
		case seen[k.Value] != 0:
			problems = append(problems, Problem{k.Line, fmt.Sprintf("`%s` is set twice (first on line %d)", k.Value, seen[k.Value])})
		default:
			seen[k.Value] = k.Line
			if p := read(&f, v, k.Line); p != nil {
				problems = append(problems, *p)
			}
		}
	}
	return f, problems
}

func syntaxProblem(err error) Problem {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return Problem{n, "not valid YAML: " + m[2]}
	}
	return Problem{0, "not valid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

func scalar(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag != "!!null" }

func str(n *yaml.Node, name string, maxLen int) (string, *Problem) {
	if !scalar(n) || n.Tag != "!!str" {
		return "", &Problem{n.Line, fmt.Sprintf("`%s` must be text", name)}
	}
	if len(n.Value) > maxLen {
		return "", &Problem{n.Line, fmt.Sprintf("`%s` is longer than %d characters", name, maxLen)}
	}
	return strings.TrimSpace(n.Value), nil
}

func integer(n *yaml.Node, name string, lo, hi int) (int, *Problem) {
	v, err := strconv.Atoi(n.Value)
	if !scalar(n) || n.Tag != "!!int" || err != nil || v < lo || v > hi {
		return 0, &Problem{n.Line, fmt.Sprintf("`%s` must be a whole number from %d to %d, not %q", name, lo, hi, n.Value)}
	}
	return v, nil
}

func number(n *yaml.Node, name string) (float64, *Problem) {
	v, err := strconv.ParseFloat(n.Value, 64)
	if !scalar(n) || (n.Tag != "!!int" && n.Tag != "!!float") || err != nil || v <= 0 {
		return 0, &Problem{n.Line, fmt.Sprintf("`%s` must be a number above 0, not %q", name, n.Value)}
	}
	return v, nil
}

func boolean(n *yaml.Node, line int, name string, dst **Value[bool]) *Problem {
	if !scalar(n) || n.Tag != "!!bool" {
		return &Problem{n.Line, fmt.Sprintf("`%s` must be true or false, not %q", name, n.Value)}
	}
	var v bool
	_ = n.Decode(&v)
	*dst = &Value[bool]{v, line}
	return nil
}

func list(n *yaml.Node, name string) ([]string, *Problem) {
	if n.Kind != yaml.SequenceNode {
		return nil, &Problem{n.Line, fmt.Sprintf("`%s` must be a list, one item per line starting with \"- \"", name)}
	}
	if len(n.Content) > maxListItems {
		return nil, &Problem{n.Line, fmt.Sprintf("`%s` has more than %d items", name, maxListItems)}
	}
	var out []string
	for _, item := range n.Content {
		if !scalar(item) || item.Tag != "!!str" || strings.TrimSpace(item.Value) == "" || len(item.Value) > 200 {
			return nil, &Problem{item.Line, fmt.Sprintf("`%s`: each item must be a short text", name)}
		}
		out = append(out, strings.TrimSpace(item.Value))
	}
	return out, nil
}

var prefixChars = regexp.MustCompile(`^[A-Za-z0-9._/-]+$`)

// validPrefix: a prefix git accepts at the start of a branch name.
func validPrefix(s string) bool {
	return prefixChars.MatchString(s) && !strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "-") &&
		!strings.HasPrefix(s, ".") && !strings.Contains(s, "..") && !strings.Contains(s, "//") &&
		!strings.Contains(s, "/.") && !strings.Contains(s, ".lock/")
}
