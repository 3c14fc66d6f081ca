package fakegitlab

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

type mergeRequest struct {
	id, iid, authorID int64
	title, desc       string
	source, target    string
	state             string // opened, closed, merged
	autoMerge         bool
	mergeUserID       int64
	mergeCommit       string
	mergedAt          time.Time
	assignees         []int64
	reviewers         []int64
	labels            []string
	versions          []*mrVersion
	created, updated  time.Time
	// An MR from a fork (forks.go): the fork's project id, and whether members who can merge to
	// the target may push to its source branch.
	sourceProjectID    int64
	allowCollaboration bool
}

// mrVersion is one push's worth of an MR diff, as GET …/versions lists them.
type mrVersion struct {
	id                int64
	head, base, start string
	created           time.Time
}

var draftTitle = regexp.MustCompile(`(?i)^\s*(\[draft\]|\(draft\)|draft:|draft\s-|draft\s|wip:)`)

// sourceProject is the id of the project the MR's source branch is in.
func (mr *mergeRequest) sourceProject(p *project) int64 {
	if mr.sourceProjectID != 0 {
		return mr.sourceProjectID
	}
	return p.ID
}

func (mr *mergeRequest) draft() bool { return draftTitle.MatchString(mr.title) }

// CreateMR opens a merge request as author; both branches must exist. It panics otherwise.
func (g *GitLab) CreateMR(projectID, authorID int64, source, target, title, description string) MergeRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	mr, err := g.createMR(p, authorID, source, target, title, description)
	if err != nil {
		panic("fakegitlab: " + err.Error())
	}
	return g.exportMR(p, mr)
}

func (g *GitLab) createMR(p *project, authorID int64, source, target, title, desc string) (*mergeRequest, error) {
	for _, b := range []string{source, target} {
		if g.branchSHA(p, b) == "" {
			return nil, fmt.Errorf("branch %q does not exist in %s", b, p.Path)
		}
	}
	p.nextIID["mr"]++
	now := g.now()
	mr := &mergeRequest{
		id: g.st.nextID("mr"), iid: p.nextIID["mr"], authorID: authorID, title: title, desc: desc,
		source: source, target: target, state: "opened", created: now, updated: now,
	}
	p.mrs[mr.iid] = mr
	g.refreshMR(p, mr)
	g.mentionTodos(todoTarget{p: p, kind: ThreadMR, iid: mr.iid}, authorID, title+"\n"+desc, "")
	return mr, nil
}

// refreshMR records a new diff version when either branch moved, as GitLab does on push.
func (g *GitLab) refreshMR(p *project, mr *mergeRequest) *mrVersion {
	var last *mrVersion
	if n := len(mr.versions); n > 0 {
		last = mr.versions[n-1]
	}
	if mr.state != "opened" {
		return last
	}
	head, start := g.sourceSHA(p, mr), g.branchSHA(p, mr.target)
	if head != "" && (mr.sourceProjectID == 0 || mr.sourceProjectID == p.ID) {
		// GitLab keeps refs/merge-requests/<iid>/head at the source branch's tip: clients fetch
		// an MR (a fork's too) by that name.
		g.git.Git(p.Path, "update-ref", fmt.Sprintf("refs/merge-requests/%d/head", mr.iid), head)
	}
	if head == "" || start == "" || last != nil && last.head == head && last.start == start {
		return last
	}
	base, err := g.git.Git(p.Path, "merge-base", start, head)
	if err != nil {
		return last
	}
	v := &mrVersion{id: g.st.nextID("mr_version"), head: head, start: start, base: strings.TrimSpace(base), created: g.now()}
	mr.versions = append(mr.versions, v)
	return v
}

// MergeRequests lists a project's MRs by iid, for assertions.
func (g *GitLab) MergeRequests(projectID int64) []MergeRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	var out []MergeRequest
	for _, mr := range p.sortedMRs() {
		out = append(out, g.exportMR(p, mr))
	}
	return out
}

func (p *project) sortedMRs() []*mergeRequest {
	out := make([]*mergeRequest, 0, len(p.mrs))
	for _, mr := range p.mrs {
		out = append(out, mr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].iid < out[j].iid })
	return out
}

func (g *GitLab) exportMR(p *project, mr *mergeRequest) MergeRequest {
	return MergeRequest{
		ID: mr.id, IID: mr.iid, Title: mr.title, Description: mr.desc, SourceBranch: mr.source,
		TargetBranch: mr.target, Author: g.userByID(mr.authorID).Username, State: mr.state,
		Draft: mr.draft(), SHA: g.mrHead(p, mr), AutoMerge: mr.autoMerge, MergeCommitSHA: mr.mergeCommit,
	}
}

// mrHead is the MR's head commit: the latest version's head.
func (g *GitLab) mrHead(p *project, mr *mergeRequest) string {
	if v := g.refreshMR(p, mr); v != nil {
		return v.head
	}
	return ""
}

func (g *GitLab) mergeRequestRoutes(api func(string, int, func(*call))) {
	base := "/projects/{id}/merge_requests"
	api("GET "+base, Guest, g.listMRs)
	api("POST "+base, Developer, g.postMR)
	api("GET "+base+"/{iid}", Guest, g.withMR(g.getMR))
	api("PUT "+base+"/{iid}", Developer, g.withMR(g.updateMR))
	api("GET "+base+"/{iid}/changes", Guest, g.withMR(g.getMRChanges))
	api("GET "+base+"/{iid}/diffs", Guest, g.withMR(g.listMRDiffs))
	api("GET "+base+"/{iid}/versions", Guest, g.withMR(g.listMRVersions))
	api("GET "+base+"/{iid}/versions/{version_id}", Guest, g.withMR(g.getMRVersion))
	api("PUT "+base+"/{iid}/merge", Developer, g.withMR(g.acceptMR))
	api("POST "+base+"/{iid}/cancel_merge_when_pipeline_succeeds", Developer, g.withMR(g.cancelAutoMerge))
}

func (g *GitLab) withMR(fn func(*call, *mergeRequest)) func(*call) {
	return func(c *call) {
		mr := c.p.mrs[c.pathInt("iid")]
		if mr == nil {
			writeMessage(c.w, http.StatusNotFound, "404 Not found")
			return
		}
		g.refreshMR(c.p, mr)
		fn(c, mr)
	}
}

func (g *GitLab) listMRs(c *call) {
	state := c.in.str("state")
	var out []*gitlab.BasicMergeRequest
	mrs := c.p.sortedMRs()
	for i := len(mrs) - 1; i >= 0; i-- { // newest first, GitLab's default order
		mr := mrs[i]
		if state != "" && state != "all" && state != mr.state ||
			c.in.has("source_branch") && c.in.str("source_branch") != mr.source ||
			c.in.has("target_branch") && c.in.str("target_branch") != mr.target ||
			!matchesSearch(c, mr.title, mr.desc, mr.labels) {
			continue
		}
		g.refreshMR(c.p, mr)
		out = append(out, &g.mrJSON(c.p, mr).BasicMergeRequest)
	}
	c.json(http.StatusOK, paginate(c.w, c.r, out))
}

// postMR creates an MR; like GitLab it refuses a second open MR for the same source branch
// with 409.
func (g *GitLab) postMR(c *call) {
	for _, k := range []string{"source_branch", "target_branch", "title"} {
		if c.in.str(k) == "" {
			missingParam(c.w, k)
			return
		}
	}
	src, dst := c.in.str("source_branch"), c.in.str("target_branch")
	for _, mr := range c.p.sortedMRs() {
		if mr.state == "opened" && mr.source == src && mr.target == dst {
			writeMessage(c.w, http.StatusConflict, []string{fmt.Sprintf("Another open merge request already exists for this source branch: !%d", mr.iid)})
			return
		}
	}
	if src == dst {
		writeMessage(c.w, http.StatusUnprocessableEntity, []string{"You can't use same project/branch for source and target"})
		return
	}
	mr, err := g.createMR(c.p, c.user.ID, src, dst, c.in.str("title"), c.in.str("description"))
	if err != nil {
		writeMessage(c.w, http.StatusUnprocessableEntity, []string{err.Error()})
		return
	}
	g.applyMRParams(c, mr)
	c.json(http.StatusCreated, g.mrJSON(c.p, mr))
}

func (g *GitLab) getMR(c *call, mr *mergeRequest) { c.json(http.StatusOK, g.mrJSON(c.p, mr)) }

func (g *GitLab) updateMR(c *call, mr *mergeRequest) {
	if c.in.has("title") {
		mr.title = c.in.str("title")
	}
	if c.in.has("description") {
		prev := mr.desc
		mr.desc = c.in.str("description")
		g.mentionTodos(todoTarget{p: c.p, kind: ThreadMR, iid: mr.iid}, c.user.ID, mr.desc, prev)
	}
	if c.in.has("target_branch") {
		mr.target = c.in.str("target_branch")
	}
	switch c.in.str("state_event") {
	case "close":
		if mr.state == "opened" {
			mr.state = "closed"
		}
	case "reopen":
		if mr.state == "closed" {
			mr.state = "opened"
		}
	}
	g.applyMRParams(c, mr)
	mr.labels = applyLabelParams(c, mr.labels)
	mr.updated = g.now()
	g.refreshMR(c.p, mr)
	c.json(http.StatusOK, g.mrJSON(c.p, mr))
}

// applyMRParams reads the optional fields create and update share.
func (g *GitLab) applyMRParams(c *call, mr *mergeRequest) {
	if c.in.has("draft") {
		mr.title = strings.TrimSpace(draftTitle.ReplaceAllString(mr.title, ""))
		if c.in.boolean("draft") {
			mr.title = "Draft: " + mr.title
		}
	}
	t := todoTarget{p: c.p, kind: ThreadMR, iid: mr.iid}
	if ids, ok := intList(c.in["assignee_ids"]); ok {
		g.addTodos(t, c.user.ID, TodoAssigned, "", newlyAdded(mr.assignees, ids))
		mr.assignees = ids
	}
	if ids, ok := intList(c.in["reviewer_ids"]); ok {
		g.addTodos(t, c.user.ID, TodoReviewRequested, "", newlyAdded(mr.reviewers, ids))
		mr.reviewers = ids
	}
}

func intList(v any) ([]int64, bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := []int64{}
	for _, x := range list {
		if f, ok := x.(float64); ok {
			out = append(out, int64(f))
		}
	}
	return out, true
}

func (g *GitLab) mrJSON(p *project, mr *mergeRequest) *gitlab.MergeRequest {
	v := g.refreshMR(p, mr)
	out := &gitlab.MergeRequest{BasicMergeRequest: gitlab.BasicMergeRequest{
		ID: mr.id, IID: mr.iid, ProjectID: p.ID, Title: mr.title, Description: mr.desc,
		State: mr.state, SourceBranch: mr.source, TargetBranch: mr.target, SourceProjectID: mr.sourceProject(p),
		AllowCollaboration: mr.allowCollaboration,
		TargetProjectID:    p.ID, Author: g.basicUser(mr.authorID), Draft: mr.draft(),
		CreatedAt: &mr.created, UpdatedAt: &mr.updated, Labels: gitlab.Labels(append([]string{}, mr.labels...)),
		MergeWhenPipelineSucceeds: mr.autoMerge, MergeCommitSHA: mr.mergeCommit,
		WebURL:              fmt.Sprintf("%s/-/merge_requests/%d", p.WebURL, mr.iid),
		References:          &gitlab.IssueReferences{Short: "!" + strconv.FormatInt(mr.iid, 10), Relative: "!" + strconv.FormatInt(mr.iid, 10), Full: p.Path + "!" + strconv.FormatInt(mr.iid, 10)},
		DetailedMergeStatus: g.detailedMergeStatus(p, mr),
		HasConflicts:        mr.state == "opened" && g.hasConflicts(p, mr),
		UserNotesCount:      int64(g.userNoteCount(p, threadKey{ThreadMR, strconv.FormatInt(mr.iid, 10)})),
	}}
	out.WorkInProgress = out.Draft
	for _, id := range mr.assignees {
		out.Assignees = append(out.Assignees, g.basicUser(id))
	}
	for _, id := range mr.reviewers {
		out.Reviewers = append(out.Reviewers, g.basicUser(id))
	}
	if mr.mergeUserID != 0 {
		out.MergeUser = g.basicUser(mr.mergeUserID)
	}
	if !mr.mergedAt.IsZero() {
		out.MergedAt = &mr.mergedAt
	}
	if v != nil {
		out.SHA = v.head
		out.DiffRefs.BaseSha, out.DiffRefs.HeadSha, out.DiffRefs.StartSha = v.base, v.head, v.start
		if pl := p.pipelines[v.head]; pl != nil {
			out.HeadPipeline = &gitlab.Pipeline{ID: pl.id, ProjectID: p.ID, Status: pl.status, Ref: pl.ref, SHA: pl.sha}
			out.Pipeline = &gitlab.PipelineInfo{ID: pl.id, ProjectID: p.ID, Status: pl.status, Ref: pl.ref, SHA: pl.sha}
		}
	}
	return out
}

// detailedMergeStatus follows GitLab's names for why an MR can or cannot be merged.
func (g *GitLab) detailedMergeStatus(p *project, mr *mergeRequest) string {
	switch {
	case mr.state != "opened":
		return "not_open"
	case mr.draft():
		return "draft_status"
	case g.hasConflicts(p, mr):
		return "conflict"
	}
	if v := g.refreshMR(p, mr); v != nil {
		if pl := p.pipelines[v.head]; pl != nil && (pl.status == "running" || pl.status == "pending" || pl.status == "created") {
			return "ci_still_running"
		}
	}
	return "mergeable"
}

func (g *GitLab) getMRChanges(c *call, mr *mergeRequest) {
	files, ok := g.mrDiffs(c, mr)
	if !ok {
		return
	}
	var changes []*gitlab.MergeRequestDiff
	for _, f := range files {
		changes = append(changes, &f.MergeRequestDiff)
	}
	type withChanges struct {
		*gitlab.MergeRequest
		Changes []*gitlab.MergeRequestDiff `json:"changes"`
	}
	c.json(http.StatusOK, withChanges{g.mrJSON(c.p, mr), changes})
}

func (g *GitLab) listMRDiffs(c *call, mr *mergeRequest) {
	files, ok := g.mrDiffs(c, mr)
	if !ok {
		return
	}
	out := []*gitlab.MergeRequestDiff{}
	for _, f := range files {
		out = append(out, &f.MergeRequestDiff)
	}
	c.json(http.StatusOK, paginate(c.w, c.r, out))
}

func (g *GitLab) mrDiffs(c *call, mr *mergeRequest) ([]*fileDiff, bool) {
	v := g.refreshMR(c.p, mr)
	if v == nil {
		return nil, true
	}
	files, err := g.diffFiles(c.p, v.base, v.head)
	if err != nil {
		writeMessage(c.w, http.StatusInternalServerError, "500 Internal Server Error")
		return nil, false
	}
	return files, true
}

func (g *GitLab) listMRVersions(c *call, mr *mergeRequest) {
	out := []*gitlab.MergeRequestDiffVersion{}
	for i := len(mr.versions) - 1; i >= 0; i-- { // newest first
		out = append(out, g.versionJSON(mr, mr.versions[i]))
	}
	c.json(http.StatusOK, paginate(c.w, c.r, out))
}

func (g *GitLab) getMRVersion(c *call, mr *mergeRequest) {
	for _, v := range mr.versions {
		if v.id == c.pathInt("version_id") {
			out := g.versionJSON(mr, v)
			files, err := g.diffFiles(c.p, v.base, v.head)
			if err == nil {
				for _, f := range files {
					d := f.MergeRequestDiff
					out.Diffs = append(out.Diffs, &gitlab.Diff{Diff: d.Diff, NewPath: d.NewPath, OldPath: d.OldPath, AMode: d.AMode, BMode: d.BMode, NewFile: d.NewFile, RenamedFile: d.RenamedFile, DeletedFile: d.DeletedFile})
				}
			}
			c.json(http.StatusOK, out)
			return
		}
	}
	writeMessage(c.w, http.StatusNotFound, "404 Not found")
}

func (g *GitLab) versionJSON(mr *mergeRequest, v *mrVersion) *gitlab.MergeRequestDiffVersion {
	return &gitlab.MergeRequestDiffVersion{
		ID: v.id, HeadCommitSHA: v.head, BaseCommitSHA: v.base, StartCommitSHA: v.start,
		CreatedAt: &v.created, MergeRequestID: mr.id, State: "collected",
	}
}
