package doctor

import (
	"fmt"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
)

// versionFeatures warns about what this GitLab version lacks that the service uses
// (docs/compatibility.md): shared-group members in members/all (17.0), token self-rotation (16.10).
func (d *doctor) versionFeatures() Result {
	const name = "GitLab version"
	if !d.reached {
		return skip(name, "GitLab did not answer", "fix the reachability check first")
	}
	shared, known := gitlab.AtLeast(d.version, gitlab.SinceMembersAllShared)
	if !known {
		return skip(name, "the version is hidden, so differences by version cannot be told",
			"if it is older than 17.0, name people who have access only through a group invited into the project in ALLOWED_USERS")
	}
	if shared {
		return ok(name, d.version+": members of groups invited into a project are seen, token self-rotation works")
	}
	detail := d.version + ": below 17.0 GitLab's members/all does not list members of groups invited (shared) into a project, " +
		"so people with access only through such a group are refused"
	if rotate, _ := gitlab.AtLeast(d.version, gitlab.SinceRotateSelf); !rotate {
		detail += "; below 16.10 `claude-gitlab rotate-token` cannot work (no self-rotation)"
	}
	return warn(name, detail, "name them in ALLOWED_USERS (they still need access to the project), add them to the project or its group directly, or upgrade GitLab to 17.0 or later")
}

// hookSigning says whether this GitLab signs the hook's deliveries when WEBHOOK_SIGNING_TOKEN is
// set: GitLab ignores signing_token silently where its webhook_signing_token flag is off (on by
// default from 19.0), and before 19.0 it has no signing at all.
func (d *doctor) hookSigning(h gitlab.Hook, fix string) Result {
	const name = "webhook signing"
	s := d.o.Settings
	if s.WebhookSigningToken == "" {
		return ok(name, "not used (WEBHOOK_SIGNING_TOKEN is empty): deliveries are checked by the secret token")
	}
	require := s.WebhookSigning == "require"
	var detail, todo string
	switch {
	case h.SigningUnknown:
		detail = "this GitLab does not sign webhooks (signed webhooks came with 19.0; the hook API has no signing_token_present)"
		todo = "keep WEBHOOK_SIGNING=auto: deliveries are checked by the secret token, and signatures are enforced once GitLab sends them"
	case !h.SigningTokenPresent:
		detail = "the hook has no signing token: this GitLab does not sign (its webhook_signing_token flag is off), or setup did not write it"
		todo = fix + " to write it; if it stays absent, an administrator can enable the webhook_signing_token feature flag (or upgrade to 19.0); until then WEBHOOK_SIGNING=auto relies on the secret token"
	default:
		return ok(name, "GitLab has the signing token and signs deliveries; the service enforces signatures from the first signed delivery it sees")
	}
	if require {
		return fail(name, detail+", yet WEBHOOK_SIGNING=require: every delivery is refused (and GitLab will disable the hook)",
			"set WEBHOOK_SIGNING=auto (the default)")
	}
	return warn(name, detail, todo)
}

// pushAdvice is how to let the bot push to a protected default branch, by tier: naming a user
// under "Allowed to push and merge" is a Premium feature.
func pushAdvice() string {
	return fmt.Sprint("set GITLAB_USE_MR=true (changes arrive as merge requests), or give the bot the Maintainer role; ",
		"on Premium and Ultimate you may instead allow the bot user under Settings → Repository → Protected branches → Allowed to push and merge (Free cannot name users there)")
}
