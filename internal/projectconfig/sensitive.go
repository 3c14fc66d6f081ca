package projectconfig

import "strings"

// DefaultSensitive are the paths a change may touch only on a Maintainer's (or Owner's) request,
// and that are never merged automatically: CI configuration (its pipeline runs with the project's
// CI variables), the bot's own settings and guidance, submodules and code owners. Patterns as in
// forbidden_paths. A project's sensitive_paths add to these; nothing removes them.
var DefaultSensitive = []string{
	".gitlab-ci.yml", "*.gitlab-ci.yml", "/.gitlab/",
	".claude-gitlab.yml", "CLAUDE.md", ".claude/",
	"/.gitmodules", "/CODEOWNERS", "/docs/CODEOWNERS",
}

// SensitivePatterns are the defaults, the project's CI configuration path (GitLab's
// ci_config_path, when it is a file of this repository) and the project's additions.
func SensitivePatterns(ciConfigPath string, extra []string) []string {
	out := append([]string{}, DefaultSensitive...)
	if p := strings.TrimSpace(ciConfigPath); p != "" && !strings.Contains(p, "@") && !strings.Contains(p, "://") {
		if _, err := compile("/" + strings.TrimPrefix(p, "/")); err == nil {
			out = append(out, "/"+strings.TrimPrefix(p, "/"))
		}
	}
	return append(out, extra...)
}

// Touched are the changed paths that match one of the patterns, each once, in the order given.
func Touched(patterns, changed []string) []string {
	var out []string
	for _, p := range changed {
		for _, pat := range patterns {
			re, err := compile(pat)
			if err == nil && re.MatchString(p) {
				out = append(out, p)
				break
			}
		}
	}
	return out
}
