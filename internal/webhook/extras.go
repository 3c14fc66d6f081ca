package webhook

import (
	"encoding/json"
	"errors"
)

// extras are the fields we read from the raw JSON ourselves: those client-go's structs lack
// (a note's discussion_id, type and internal flag on some noteable types, the project id of
// issue, snippet and wiki events), and which keys `changes` has, since client-go cannot tell
// an absent change from a change between empty values.
type extras struct {
	ObjectKind       string                     `json:"object_kind"`
	ProjectID        int64                      `json:"project_id"`
	Project          extrasProject              `json:"project"`
	User             extrasUser                 `json:"user"`
	ObjectAttributes extrasAttributes           `json:"object_attributes"`
	Changes          map[string]json.RawMessage `json:"changes"`
}

type extrasProject struct {
	ID                int64  `json:"id"`
	PathWithNamespace string `json:"path_with_namespace"`
	WebURL            string `json:"web_url"`
	DefaultBranch     string `json:"default_branch"`
}

type extrasUser struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
}

type extrasAttributes struct {
	NoteableType string `json:"noteable_type"`
	DiscussionID string `json:"discussion_id"`
	Type         string `json:"type"`
	Internal     bool   `json:"internal"`
	// Older GitLab versions called internal notes confidential.
	Confidential bool  `json:"confidential"`
	ProjectID    int64 `json:"project_id"`
}

// decodeExtras reads the extras, skipping fields of an unexpected type: they are hints, and a
// payload that is valid JSON should not be refused over one of them.
func decodeExtras(body []byte) (extras, error) {
	var x extras
	err := json.Unmarshal(body, &x)
	var typeErr *json.UnmarshalTypeError
	if err != nil && !errors.As(err, &typeErr) {
		return extras{}, err
	}
	return x, nil
}

// changed reports whether the payload's `changes` lists key.
func (x extras) changed(key string) bool {
	_, ok := x.Changes[key]
	return ok
}

// projectID is the first project id the payload has: some payloads lack project.id.
func (x extras) projectID() int64 {
	for _, id := range []int64{x.Project.ID, x.ProjectID, x.ObjectAttributes.ProjectID} {
		if id != 0 {
			return id
		}
	}
	return 0
}
