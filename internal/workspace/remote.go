package workspace

import (
	"context"
	"fmt"
	"strings"
)

// RemoteHead asks the project's origin which commit a branch points at, without fetching
// (git ls-remote: a smart-HTTP exchange, not a REST API call, so it spends nothing of GitLab's
// per-endpoint API limits). Callers use it to tell whether something read at that branch
// before is still current.
func (m *Manager) RemoteHead(ctx context.Context, p Project, branch string) (string, error) {
	if err := p.validate(); err != nil {
		return "", err
	}
	if err := checkRef(branch); err != nil || branch == "" || strings.HasPrefix(branch, "-") {
		return "", fmt.Errorf("branch %q: not a branch name", branch)
	}
	res, err := m.run(ctx, gitCmd{args: []string{"ls-remote", "--heads", "--end-of-options", p.CloneURL, "refs/heads/" + branch},
		dir: m.home, auth: p.CloneURL})
	if err != nil {
		return "", classify(err)
	}
	for _, line := range strings.Split(res.stdout, "\n") {
		sha, ref, ok := strings.Cut(strings.TrimSpace(line), "\t")
		if ok && ref == "refs/heads/"+branch && isSHA(sha) {
			return sha, nil
		}
	}
	return "", fmt.Errorf("branch %s not found on the server", branch)
}
