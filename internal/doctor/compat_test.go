package doctor

import (
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/setup"
)

const testSigningToken = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// What doctor says where GitLab differs by version and tier (docs/compatibility.md).
func TestDoctorAcrossVersionsAndTiers(t *testing.T) {
	off := false
	cases := []struct {
		name   string
		opts   fakegitlab.Options
		change func(t *testing.T, w *world)
		check  string
		want   Status
		in     string // in the detail or the fix
	}{
		{"16.11 warns that shared-group members are not seen", fakegitlab.Options{Version: fakegitlab.VersionLTS}, nil, "GitLab version", Warn, "ALLOWED_USERS"},
		{"latest is fine", fakegitlab.Options{Version: fakegitlab.VersionLatest}, nil, "GitLab version", OK, "are seen"},
		{"16.9 cannot rotate", fakegitlab.Options{Version: "16.9.2-ee"}, nil, "GitLab version", Warn, "16.10"},
		{"16.11 hides token_present: unknown, not missing", fakegitlab.Options{Version: fakegitlab.VersionLTS}, nil, "webhook secret", Skip, "does not say"},
		{"Free: push rules refused are unknown", fakegitlab.Options{Version: fakegitlab.VersionLatest, Tier: fakegitlab.TierFree}, nil, "push rules", Skip, "unknown"},
		{"Free: protected branch advice names Maintainer and GITLAB_USE_MR", fakegitlab.Options{Version: fakegitlab.VersionLatest, Tier: fakegitlab.TierFree},
			func(t *testing.T, w *world) {
				w.g.AddMember(w.p.ID, w.bot.ID, fakegitlab.Developer)
				w.g.Protect(w.p.ID, "main")
			}, "bot access level", Warn, "Maintainer role"},
		{"signing on a GitLab that does not sign", fakegitlab.Options{Version: fakegitlab.VersionLTS},
			signed(""), "webhook signing", Warn, "does not sign"},
		{"signing required on a GitLab that does not sign", fakegitlab.Options{Version: fakegitlab.VersionLTS},
			signed("require"), "webhook signing", Fail, "every delivery is refused"},
		{"signing flag off on 19.0", fakegitlab.Options{Version: "19.0.0-ee", WebhookSigning: &off},
			signed(""), "webhook signing", Warn, "flag"},
		{"signing on the latest", fakegitlab.Options{Version: fakegitlab.VersionLatest},
			signed(""), "webhook signing", OK, "signs deliveries"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := newWorldAt(t, c.opts)
			if c.change != nil {
				c.change(t, w)
			}
			got := w.run()[c.check]
			if got.Status != c.want || !strings.Contains(got.Detail+" "+got.Fix, c.in) {
				t.Fatalf("%s = %s %q, fix %q; want %s with %q", c.check, got.Status, got.Detail, got.Fix, c.want, c.in)
			}
		})
	}
}

// signed sets WEBHOOK_SIGNING_TOKEN (and WEBHOOK_SIGNING) and has setup write it into the hook.
func signed(policy string) func(t *testing.T, w *world) {
	return func(t *testing.T, w *world) {
		w.opts.Settings.WebhookSigningToken, w.opts.Settings.WebhookSigning = testSigningToken, policy
		w.deleteHooks()
		w.hookID = w.addHook(w.endpoint.URL+"/webhook", setup.Options{Secret: "fake-secret-1", SigningToken: testSigningToken})
	}
}
