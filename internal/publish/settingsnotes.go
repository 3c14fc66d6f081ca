package publish

import (
	"fmt"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/authz"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/projectconfig"
)

// SettingsAppliedEntry is the job page's line on the project's settings file that applied.
func SettingsAppliedEntry(path, branch string, eff projectconfig.Effective) string {
	return fmt.Sprintf("Settings from %s on %s: model %s, %d turns, tools %s, use_mr %t, auto_merge %t%s",
		path, branch, modelOrDefault(eff.Model), eff.MaxTurns, strings.Join(eff.AllowedTools, ", "), eff.UseMR, eff.AutoMerge,
		forbiddenSummary(eff.ForbiddenPaths))
}

// SettingsInvalidEntry is the job page's line on an invalid settings file.
func SettingsInvalidEntry(path string, problems []string) string {
	return fmt.Sprintf("%s is invalid, using the server's settings: %s", path, strings.Join(problems, "; "))
}

// SettingsRefusedEntry is the job page's line on the settings the server refused.
func SettingsRefusedEntry(path string, refused []string) string {
	return "Refused in " + path + ": " + strings.Join(refused, "; ")
}

func modelOrDefault(model string) string {
	if model == "" {
		return "(the CLI's default)"
	}
	return model
}

func forbiddenSummary(paths []string) string {
	if len(paths) == 0 {
		return ""
	}
	return ", forbidden paths " + strings.Join(paths, ", ")
}

// CodeList shows paths as code, comma-separated.
func CodeList(paths []string) string {
	return "`" + strings.Join(paths, "`, `") + "`"
}

// ForbiddenRefusal says why a change that touches a forbidden path was not pushed (source is the
// settings file that forbids it), and what to do.
func ForbiddenRefusal(path, pattern, source string) (what, todo string) {
	what = fmt.Sprintf("Claude's change touches `%s`, which this project's `forbidden_paths` (`%s` in %s) does not allow, so nothing was pushed.",
		path, pattern, source)
	return what, "Ask for the change without that file, or change `forbidden_paths` on the default branch."
}

// SensitiveRefusal says why a change to sensitive paths asked by someone below Maintainer was
// not pushed, and who may ask.
func SensitiveRefusal(touched []string, username string, level int) (what, todo string) {
	what = fmt.Sprintf("Claude's change touches %s: CI configuration, the bot's settings and guidance (CLAUDE.md, .claude/), submodules and code owners change only when a Maintainer or Owner asks, and @%s is %s here, so nothing was pushed.",
		CodeList(touched), username, authz.RoleName(level))
	return what, "Ask a Maintainer or Owner of the project to request this change, or ask again for a change that leaves these files alone."
}
