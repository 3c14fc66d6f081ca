package projectconfig

import "gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"

// Resolved is what a job runs with after reading the project's file, and what there is to tell.
type Resolved struct {
	Effective
	Problems []string // the file is invalid ("line N: …"): the defaults apply
	Refused  []string // settings of the file that asked for more than the operator allows
}

// Defaults are the operator's settings with no project file.
func Defaults(op Operator) Effective {
	eff, _ := Apply(op, File{})
	return eff
}

// Resolve applies the file found on the default branch within the operator's limits. A file
// the bot may not read, none at all or an invalid one leaves the defaults; Source names the file
// when it applied.
func Resolve(op Operator, f Found) Resolved {
	if f.Forbidden || f.Path == "" {
		return Resolved{Effective: Defaults(op)}
	}
	file, problems := Parse(f.Data)
	if len(problems) > 0 {
		lines := make([]string, len(problems))
		for i, p := range problems {
			lines[i] = p.String()
		}
		return Resolved{Effective: Defaults(op), Problems: lines}
	}
	eff, refused := Apply(op, file)
	eff.Source = f.Path
	var lines []string
	for _, x := range refused {
		lines = append(lines, x.String())
	}
	return Resolved{Effective: eff, Refused: lines}
}

// SensitiveTouched are the changed paths only a Maintainer's (or Owner's) request may change:
// DefaultSensitive, the project's CI configuration path and its sensitive_paths.
func SensitiveTouched(ciConfigPath string, extra, changed []string) []string {
	return Touched(SensitivePatterns(ciConfigPath, extra), changed)
}

// MayChangeSensitive says whether a requester of this role may have a change to sensitive paths
// pushed: such a change runs with the project's CI variables or steers later runs.
func MayChangeSensitive(level int) bool {
	return level >= gitlab.AccessMaintainer
}
