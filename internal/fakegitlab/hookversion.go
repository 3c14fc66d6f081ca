package fakegitlab

import (
	"encoding/json"
	"strconv"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// tokenPresentSince is the first major version whose hook API says token_present and
// signing_token_present (they came with signed webhooks); older GitLab leaves them out.
const tokenPresentSince = 19

// hookJSON is a hook as this GitLab's version shows it.
func (g *GitLab) hookJSON(h gitlab.ProjectHook) any {
	if g.majorVersion() >= tokenPresentSince {
		return h
	}
	b, _ := json.Marshal(h)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	delete(m, "token_present")
	delete(m, "signing_token_present")
	return m
}

func (g *GitLab) hooksJSON(hooks []*hook) []any {
	out := []any{}
	for _, h := range hooks {
		out = append(out, g.hookJSON(h.ProjectHook))
	}
	return out
}

// majorVersion is the major of Options.Version ("17.8.0-ee" → 17).
func (g *GitLab) majorVersion() int {
	major, _, _ := strings.Cut(g.opts.Version, ".")
	n, _ := strconv.Atoi(major)
	return n
}
