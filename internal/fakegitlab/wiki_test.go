package fakegitlab

import (
	"encoding/json"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// The wiki page payload has the real sample's keys (../shared/gitlab-payloads/wiki_page.json,
// whose user has no id), parses with client-go, and carries the page as it is in the wiki's
// repository.
func TestWikiPageEventMatchesRealKeys(t *testing.T) {
	w := newWorld(t, Options{})
	w.g.AddWikiPage(w.p.ID, "home", "# Home\n@claude add a TOC\n")
	event, payload := w.g.WikiPageEvent(w.p.ID, "home", w.alice.ID, "create")
	if event != "Wiki Page Hook" {
		t.Fatalf("event %q", event)
	}
	ours := map[string]any{}
	if err := json.Unmarshal(payload, &ours); err != nil {
		t.Fatal(err)
	}
	if missing, extra := keyDiff("", loadPayload(t, "wiki_page.json"), ours); len(missing)+len(extra) > 0 {
		t.Fatalf("keys only in the real sample: %v; only in ours: %v", missing, extra)
	}
	v, err := gitlab.ParseWebhook(gitlab.EventTypeWikiPage, payload)
	if err != nil {
		t.Fatal(err)
	}
	ev := v.(*gitlab.WikiPageEvent)
	if a := ev.ObjectAttributes; a.Slug != "home" || a.Content != "# Home\n@claude add a TOC\n" || a.Action != "create" ||
		ev.User.Username != "alice" || ev.Wiki.DefaultBranch != "master" {
		t.Fatalf("parsed %+v", ev)
	}
}
