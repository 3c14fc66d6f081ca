package fakegitlab

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// Access levels, as GitLab numbers them.
const (
	NoAccess   = 0
	Guest      = 10
	Planner    = 15
	Reporter   = 20
	Developer  = 30
	Maintainer = 40
	Owner      = 50
)

// ThreadType names what a note hangs on.
type ThreadType string

// The four kinds of threads notes live in.
const (
	ThreadIssue   ThreadType = "issue"
	ThreadMR      ThreadType = "merge_request"
	ThreadCommit  ThreadType = "commit"
	ThreadSnippet ThreadType = "snippet"
)

// state is everything the fake knows; guarded by GitLab.mu.
type state struct {
	ids      map[string]int64 // next id per kind: GitLab ids are global per table
	users    map[int64]*User
	tokens   map[string]*token
	projects map[int64]*project
	groups   map[string]map[int64]int // group path → user id → access level
	groupIDs map[string]int64         // group path → id, made on first use (protection.go)
	// groupHooks are webhooks of groups (paid tiers), by group path; see admin.go.
	groupHooks map[string][]*hook
	todos      []*todo     // every user's To-Do items, oldest first; see todos.go
	ciJobs     []*tokenJob // CI jobs whose tokens GET /job knows; see cijobs.go
}

func newState() *state {
	return &state{
		ids:      map[string]int64{},
		users:    map[int64]*User{},
		tokens:   map[string]*token{},
		projects: map[int64]*project{},
		groups:   map[string]map[int64]int{},
	}
}

// nextID hands out ids per table, starting at 1 like a fresh database.
func (s *state) nextID(kind string) int64 {
	s.ids[kind]++
	return s.ids[kind]
}

// discussionID makes the 40-hex id GitLab gives discussions.
func (s *state) discussionID() string {
	sum := sha1.Sum(fmt.Appendf(nil, "discussion-%d", s.nextID("discussion")))
	return hex.EncodeToString(sum[:])
}

type project struct {
	Project
	public        bool
	forkedFrom    int64 // the parent project of a fork (forks.go)
	holdPipelines bool  // pushes make no pipelines until released (ci.go)
	ciConfigPath  string
	members       map[int64]int
	protected     map[string]*protection // branch name or wildcard → rule (protection.go)
	issues        map[int64]*issue
	mrs           map[int64]*mergeRequest
	snippets      map[int64]*snippet
	threads       map[threadKey]*thread
	hooks         []*hook
	pipelines     map[string]*pipeline // by sha
	nextIID       map[string]int64
	pushRule      *gitlab.ProjectPushRules // nil: none; see admin.go
	shares        map[string]int           // groups invited into the project → their most access; compat.go
	labelIDs      map[string]int64         // label title → id, made on first use (labels.go)
}

type issue struct {
	id, iid, authorID int64
	title, desc       string
	confidential      bool
	state             string
	assignees         []int64
	labels            []string
	created, updated  time.Time
}

type snippet struct {
	id, authorID     int64
	title, fileName  string
	content          string
	created, updated time.Time
}

type threadKey struct {
	kind ThreadType
	ref  string // iid, snippet id or commit sha
}

type thread struct {
	key         threadKey
	noteableID  int64
	discussions []*discussion
	awards      []*award
}

type discussion struct {
	id         string
	individual bool
	notes      []*note
}

type note struct {
	id, authorID int64
	body         string
	typ          string // "", "DiscussionNote" or "DiffNote", as GitLab's type
	internal     bool
	system       bool
	edits        int
	resolvable   bool
	resolved     bool
	resolvedBy   int64
	position     *gitlab.NotePosition
	created      time.Time
	updated      time.Time
}

type award struct {
	id, userID int64
	noteID     int64 // 0 when awarded to the issue or MR itself
	name       string
	created    time.Time
}

type pipeline struct {
	id     int64
	sha    string
	ref    string
	status string
	jobs   []*ciJob // see pipelines.go
	// bridges are trigger jobs, each with the child pipeline it started; see bridges.go.
	bridges []*bridge
}
