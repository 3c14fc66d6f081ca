package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
)

// newTokenFix is how to get a working token, said wherever the token is the problem.
const newTokenFix = "create a token for the bot (project or group access token, or a service account's personal token) " +
	"with the api scope and role Developer or higher, and put it in GITLAB_TOKEN (or GITLAB_TOKEN_FILE)"

// expiryWarning is how early doctor starts warning about a token's expiry.
const expiryWarning = 14 * 24 * time.Hour

// reachable asks GET /version: it shows the network path and the TLS set-up to GitLab work.
func (d *doctor) reachable(ctx context.Context) Result {
	const name = "GitLab reachable"
	v, err := d.o.GitLab.Version(ctx)
	var ae *gitlab.APIError
	switch {
	case err == nil:
		d.reached, d.version = true, v
		return ok(name, fmt.Sprintf("GitLab %s at %s", v, d.o.Settings.GitLabURL))
	case errors.As(err, &ae) && ae.Status == http.StatusTooManyRequests:
		d.reached = true
		return warn(name, "GitLab answers 429 Too Many Requests: this token is rate-limited",
			"lower GITLAB_RATE_LIMIT below the instance's limit (GitLab.com: 2000/min per user), and give the bot its own user so people's scripts do not share its budget")
	case errors.As(err, &ae):
		d.reached = true // it answered; the token check says what is wrong with the token
		return ok(name, fmt.Sprintf("%s answers (version hidden: %d)", d.o.Settings.GitLabURL, ae.Status))
	}
	return fail(name, err.Error(), networkFix(err, "GITLAB_URL"))
}

// networkFix names the likely cause of a request that got no answer.
func networkFix(err error, setting string) string {
	s := err.Error()
	switch {
	case strings.Contains(s, "no such host"):
		return "the host name does not resolve: check " + setting + " and the machine's DNS"
	case strings.Contains(s, "certificate"):
		return "the TLS certificate is not trusted here: install the CA that signed it into the system's trust store (or SSL_CERT_FILE)"
	case strings.Contains(s, "connection refused"):
		return "nothing listens there: check " + setting + " (scheme, host, port)"
	case strings.Contains(s, "timeout"), strings.Contains(s, "deadline"):
		return "no answer in time: a firewall or proxy blocks the way; set HTTPS_PROXY if the machine needs a proxy"
	}
	return "check " + setting + ", DNS, firewall and proxy (HTTPS_PROXY) from this machine"
}

// tokenValid reads GET /personal_access_tokens/self, which works for personal, project and
// group tokens alike.
func (d *doctor) tokenValid(ctx context.Context) Result {
	const name = "token valid"
	if d.o.Settings.GitLabToken == "" {
		return fail(name, "GITLAB_TOKEN is not set (nor GITLAB_TOKEN_FILE)", newTokenFix)
	}
	if !d.reached {
		return skip(name, "GitLab unreachable", "fix the check above first")
	}
	info, err := d.o.GitLab.TokenInfo(ctx)
	switch {
	case errors.Is(err, gitlab.ErrUnauthorized):
		return fail(name, "GitLab answers 401: the token is invalid, expired or revoked", newTokenFix)
	case errors.Is(err, gitlab.ErrForbidden):
		return fail(name, "GitLab answers 403: the token lacks the api scope", newTokenFix)
	case err != nil:
		return fail(name, err.Error(), "run doctor again; if it persists, check the GitLab instance's health")
	case info.Revoked || !info.Active:
		return fail(name, fmt.Sprintf("token %q is revoked or inactive", info.Name), newTokenFix)
	}
	d.token = &info
	return ok(name, fmt.Sprintf("token %q is active", info.Name))
}

func (d *doctor) tokenExpiry() Result {
	const name = "token expiry"
	if d.token == nil {
		return skip(name, "no valid token", "fix the token first")
	}
	if d.token.ExpiresAt == nil {
		return ok(name, "never expires")
	}
	left := d.token.ExpiresAt.Sub(d.o.Now())
	day := d.token.ExpiresAt.Format("2006-01-02")
	switch {
	case left <= 0:
		return fail(name, "expired on "+day, newTokenFix)
	case left < expiryWarning:
		return warn(name, fmt.Sprintf("expires on %s, in %s", day, days(left)),
			"run `claude-gitlab rotate-token` (it gets a new token from GitLab, writes it and reloads the service)")
	}
	return ok(name, fmt.Sprintf("expires on %s, in %s", day, days(left)))
}

func days(d time.Duration) string {
	n := int(d.Hours() / 24)
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// neededScope is the one scope the service needs: api covers the API, git over HTTPS
// (read_repository, write_repository) and read_user.
const neededScope = "api"

// excessScopes give more than the bot ever uses.
var excessScopes = []string{"sudo", "admin_mode", "create_runner", "manage_runner", "k8s_proxy",
	"read_registry", "write_registry", "read_virtual_registry", "write_virtual_registry", "read_service_ping"}

func (d *doctor) tokenScopes() []Result {
	if d.token == nil {
		return []Result{skip("token scopes", "no valid token", "fix the token first")}
	}
	have := d.token.Scopes
	scopes := ok("token scopes", strings.Join(have, ", ")+" (api covers read_repository, write_repository and read_user)")
	if !slices.Contains(have, neededScope) {
		scopes = fail("token scopes", "has "+strings.Join(have, ", ")+"; missing api (posting comments, reading threads, git push)",
			"create a token with the api scope (it includes read_repository, write_repository and read_user)")
	}
	var extra []string
	for _, s := range have {
		if slices.Contains(excessScopes, s) {
			extra = append(extra, s)
		}
	}
	power := ok("token power", "no scopes beyond what is needed")
	if len(extra) > 0 {
		power = warn("token power", "more power than needed: "+strings.Join(extra, ", "),
			"create a token with only the api scope; a leaked token with "+extra[0]+" can do far more than the bot needs")
	}
	return []Result{scopes, power}
}

// identity is the token's user: who the bot acts as.
func (d *doctor) identity(ctx context.Context) Result {
	const name = "bot identity"
	if d.token == nil {
		return skip(name, "no valid token", "fix the token first")
	}
	u, err := d.o.GitLab.CurrentUser(ctx)
	if err != nil {
		return fail(name, err.Error(), newTokenFix)
	}
	d.user = &u
	detail := fmt.Sprintf("@%s (id %d, %q), commits as %s", u.Username, u.ID, u.Name, u.Email)
	if !u.Bot {
		return warn(name, detail+"; a regular user account",
			"use a project or group access token or a service account: a person's token acts as that person everywhere they have access")
	}
	return ok(name, detail+", a bot account")
}
