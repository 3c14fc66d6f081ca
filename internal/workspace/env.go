package workspace

import "strings"

// passedEnv are the variables of the process environment git may need: finding programs,
// reaching GitLab through a proxy, trusting a private CA, the time zone of commit dates.
var passedEnv = []string{
	"PATH", "TZ", "TMPDIR",
	"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
	"http_proxy", "https_proxy", "all_proxy", "no_proxy",
	"SSL_CERT_FILE", "SSL_CERT_DIR", "GIT_SSL_CAINFO", "GIT_SSL_CAPATH",
}

// GitEnv picks from environ (os.Environ()) what Config.Env should hold. Secrets of the service
// (GITLAB_TOKEN, ANTHROPIC_API_KEY) and GIT_* variables that change git's behaviour stay out.
func GitEnv(environ []string) []string {
	var env []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		for _, p := range passedEnv {
			if name == p {
				env = append(env, kv)
			}
		}
	}
	return env
}
