package fakegitlab

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// How GitLab differs by version and tier, as far as claude-gitlab meets it. Each difference was
// read in GitLab's docs, merge requests or tracker; docs/compatibility.md lists them with what
// the service does there.

// Versions the suites run against: the oldest supported (16.11 LTS) and the latest.
const (
	VersionLTS    = "16.11.10-ee"
	VersionLatest = "19.6.0-ee"
)

// Tiers of GitLab EE (Options.Tier).
const (
	TierFree     = "Free"
	TierPremium  = "Premium"
	TierUltimate = "Ultimate"
)

// Versions where behaviour changes.
var (
	// members/all lists members of invited (shared) groups from 17.0 (behind the off-by-default
	// webui_members_inherited_users flag in 16.10–16.11).
	sinceMembersAllShared = [2]int{17, 0}
	// POST /personal_access_tokens/self/rotate (GitLab MR !142664).
	sinceRotateSelf = [2]int{16, 10}
	// The Idempotency-Key delivery header (≈17.4); older GitLab sends only per-request UUIDs.
	sinceIdempotencyKey = [2]int{17, 4}
	// token_present / signing_token_present in the hook API, and signing_token accepted
	// (MR !231325), with signed webhooks (19.0); GitLab signs only with the
	// webhook_signing_token flag, on by default.
	sinceHookTokenFields = [2]int{19, 0}
)

// atLeast compares Options.Version ("16.11.10-ee") with major.minor.
func (g *GitLab) atLeast(v [2]int) bool {
	parts := strings.SplitN(strings.SplitN(g.opts.Version, "-", 2)[0], ".", 3)
	major, _ := strconv.Atoi(parts[0])
	minor := 0
	if len(parts) > 1 {
		minor, _ = strconv.Atoi(parts[1])
	}
	return major > v[0] || major == v[0] && minor >= v[1]
}

func (g *GitLab) paid() bool { return g.opts.Tier != TierFree }

// signs says whether this GitLab sends webhook-signature for hooks with a signing token.
func (g *GitLab) signs() bool {
	flag := g.opts.WebhookSigning == nil || *g.opts.WebhookSigning
	return flag && g.atLeast(sinceHookTokenFields)
}

// hookJSON is a hook as this version's API shows it: token_present and signing_token_present
// exist only from 19.0.
func (g *GitLab) hookJSON(h *hook) any {
	b, _ := json.Marshal(h.ProjectHook)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	if !g.atLeast(sinceHookTokenFields) {
		delete(m, "token_present")
		delete(m, "signing_token_present")
	} else {
		m["token_present"] = h.token != ""
		m["signing_token_present"] = h.signingToken != ""
	}
	return m
}

func (g *GitLab) hooksJSON(hs []*hook) []any {
	out := []any{}
	for _, h := range hs {
		out = append(out, g.hookJSON(h))
	}
	return out
}

// applySigningToken takes signing_token as GitLab does: only in whsec_<base64 of 32 bytes>
// form, and silently ignored where the version or its feature flag does not have it.
func (g *GitLab) applySigningToken(c *call, h *hook) bool {
	if !c.in.has("signing_token") || !g.signs() {
		return true
	}
	tok := c.in.str("signing_token")
	if tok == "" {
		h.signingToken = ""
		return true
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(tok, "whsec_"))
	if !strings.HasPrefix(tok, "whsec_") || err != nil || len(key) != 32 {
		badRequest(c.w, "signing_token is invalid")
		return false
	}
	h.signingToken = tok
	return true
}

// deliveryHeaders adds what this version sends: Idempotency-Key from 17.4, and the Standard
// Webhooks headers when the hook has a signing token and GitLab signs.
func (g *GitLab) deliveryHeaders(h *hook, headers map[string]string, payload []byte) {
	if !g.atLeast(sinceIdempotencyKey) {
		delete(headers, "Idempotency-Key")
	}
	if h.signingToken == "" || !g.signs() {
		return
	}
	id := headers["Idempotency-Key"]
	if id == "" {
		id = newUUID()
	}
	ts := strconv.FormatInt(g.now().Unix(), 10)
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(h.signingToken, "whsec_"))
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%s.", id, ts)
	mac.Write(payload)
	headers["webhook-id"], headers["webhook-timestamp"] = id, ts
	headers["webhook-signature"] = "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// noteDeliveryResult keeps a hook's alert_status as GitLab does: after 4 failures in a row it is
// temporarily disabled (1 minute, doubling up to a day); a success makes it executable again.
func (g *GitLab) noteDeliveryResult(h *hook, status string) {
	if deliveryClass(status) == "successful" {
		h.failures, h.AlertStatus, h.DisabledUntil = 0, "executable", nil
		return
	}
	h.failures++
	if h.failures >= 4 {
		backoff := time.Minute << min(h.failures-4, 10)
		until := g.now().Add(min(backoff, 24*time.Hour))
		h.AlertStatus, h.DisabledUntil = "temporarily_disabled", &until
	}
}

// ShareProjectWithGroup invites a group into a project with at most maxLevel: the group's
// members get access, but members/all lists them only from GitLab 17.0.
func (g *GitLab) ShareProjectWithGroup(projectID int64, groupPath string, maxLevel int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	if p.shares == nil {
		p.shares = map[string]int{}
	}
	p.shares[groupPath] = maxLevel
}

// sharedLevel is a user's access through groups invited into the project.
func (g *GitLab) sharedLevel(p *project, userID int64) int {
	level := NoAccess
	for group, most := range p.shares {
		if l := g.st.groups[group][userID]; l > NoAccess {
			level = max(level, min(l, most))
		}
	}
	return level
}

// listedLevel is the access members/all shows: without invited groups' members before 17.0.
func (g *GitLab) listedLevel(p *project, userID int64) int {
	if g.atLeast(sinceMembersAllShared) {
		return g.accessLevel(p, userID)
	}
	return g.directAndInheritedLevel(p, userID)
}

func notFoundRoute(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "404 Not Found"})
}

// ActiveTokens counts a user's tokens GitLab would still accept.
func (g *GitLab) ActiveTokens(userID int64) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, t := range g.st.tokens {
		if t.userID == userID && t.active(g.now()) {
			n++
		}
	}
	return n
}
