package agent

import "strings"

// redactor hides the credential values of Config.Env in anything that leaves Run (answer text,
// progress, stderr tail, errors): the answer is posted to GitLab, and a tool that printed its
// environment must not publish the API key there.
type redactor struct{ secrets []string }

// minSecretLen keeps short values (a port, "0") from blanking out ordinary text.
const minSecretLen = 8

func newRedactor(env []string) redactor {
	var r redactor
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		if isSecretName(name) && len(value) >= minSecretLen {
			r.secrets = append(r.secrets, value)
		}
	}
	return r
}

// isSecretName: everything but the knobs known to be harmless. A base URL counts as secret: some
// gateways carry a key in its path.
func isSecretName(name string) bool {
	switch name {
	case "ANTHROPIC_MODEL", "CLAUDE_CODE_MAX_RETRIES", "API_TIMEOUT_MS", "BASH_DEFAULT_TIMEOUT_MS", "BASH_MAX_TIMEOUT_MS":
		return false
	}
	return true
}

func (r redactor) str(s string) string {
	for _, v := range r.secrets {
		s = strings.ReplaceAll(s, v, "[REDACTED]")
	}
	return s
}

func (r redactor) progress(p Progress) Progress {
	p.Text, p.Summary = r.str(p.Text), r.str(p.Summary)
	return p
}
