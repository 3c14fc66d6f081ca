package fakegitlab

import (
	"fmt"
	"strings"
)

// Forks: a fork is a project of its own whose repository started as a copy of its parent's. An
// MR from a fork lives in the target project; GitLab copies the fork's commits into the target's
// repository under refs/merge-requests/<iid>/head (and nowhere else), and, when the MR allows
// commits from members who can merge to the target branch (allow_collaboration), lets those
// members push to the fork's source branch, and to no other branch of the fork.

// AddFork makes a fork of parent at path, owned by owner (Owner of the fork, no role on the
// parent), with the parent's branches.
func (g *GitLab) AddFork(parentID int64, path string, ownerID int64) Project {
	g.mu.Lock()
	parent := g.mustProject(parentID)
	parentDir, branch := g.git.RepoDir(parent.Path), parent.DefaultBranch
	g.mu.Unlock()
	fork := g.AddProject(path, branch, map[string]string{"README.md": "placeholder\n"})
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(fork.ID)
	if _, err := g.git.Git(p.Path, "fetch", "--quiet", "--force", parentDir, "+refs/heads/*:refs/heads/*"); err != nil {
		panic("fakegitlab: fork: " + err.Error())
	}
	p.members[ownerID] = Owner
	p.forkedFrom = parentID
	p.public = parent.public
	if err := g.git.SetProtected(p.Path); err != nil { // the hook that keeps collaborators to MR branches
		panic("fakegitlab: fork: " + err.Error())
	}
	return p.Project
}

// CreateForkMR opens an MR in target from a branch of fork, as author; allowCollaboration is the
// MR's "Allow commits from members who can merge to the target branch".
func (g *GitLab) CreateForkMR(targetID, forkID, authorID int64, source, target, title, desc string, allowCollaboration bool) MergeRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	p, fork := g.mustProject(targetID), g.mustProject(forkID)
	if g.branchSHA(fork, source) == "" || g.branchSHA(p, target) == "" {
		panic(fmt.Sprintf("fakegitlab: fork MR: %s:%s or %s:%s does not exist", fork.Path, source, p.Path, target))
	}
	p.nextIID["mr"]++
	now := g.now()
	mr := &mergeRequest{
		id: g.st.nextID("mr"), iid: p.nextIID["mr"], authorID: authorID, title: title, desc: desc,
		source: source, target: target, state: "opened", created: now, updated: now,
		sourceProjectID: forkID, allowCollaboration: allowCollaboration,
	}
	p.mrs[mr.iid] = mr
	g.refreshMR(p, mr)
	return g.exportMR(p, mr)
}

// sourceSHA is the tip of an MR's source branch. For an MR from a fork it brings the fork's
// commits into the target's refs/merge-requests/<iid>/head first, as GitLab does.
func (g *GitLab) sourceSHA(p *project, mr *mergeRequest) string {
	if mr.sourceProjectID == 0 || mr.sourceProjectID == p.ID {
		return g.branchSHA(p, mr.source)
	}
	fork := g.st.projects[mr.sourceProjectID]
	if fork == nil {
		return ""
	}
	sha := g.branchSHA(fork, mr.source)
	if sha == "" {
		return ""
	}
	ref := fmt.Sprintf("refs/merge-requests/%d/head", mr.iid)
	if _, err := g.git.Git(p.Path, "fetch", "--quiet", "--force", g.git.RepoDir(fork.Path), "+refs/heads/"+mr.source+":"+ref); err != nil {
		return ""
	}
	return sha
}

// collaboratorBranches are the branches of fork that user may push to as a collaborator: the
// source branches of open MRs from it that allow collaboration, into targets user may merge to.
func (g *GitLab) collaboratorBranches(fork *project, userID int64) []string {
	var out []string
	for _, p := range g.st.projects {
		for _, mr := range p.mrs {
			if mr.sourceProjectID == fork.ID && p.ID != fork.ID && mr.state == "opened" && mr.allowCollaboration &&
				g.mayMerge(p, mr.target, userID) {
				out = append(out, mr.source)
			}
		}
	}
	return out
}

// ForkedFrom is the parent of a fork (0 for a project that is not one).
func (g *GitLab) ForkedFrom(projectID int64) int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.mustProject(projectID).forkedFrom
}

// HasCommit says whether a project's repository holds a commit, under any ref.
func (g *GitLab) HasCommit(projectID int64, sha string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	out, err := g.git.Git(p.Path, "for-each-ref", "--contains", sha, "--format=%(refname)")
	return err == nil && strings.TrimSpace(out) != ""
}

// RefsContaining lists the refs of a project's repository that contain sha.
func (g *GitLab) RefsContaining(projectID int64, sha string) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	out, err := g.git.Git(p.Path, "for-each-ref", "--contains", sha, "--format=%(refname)")
	if err != nil {
		return nil
	}
	return strings.Fields(out)
}
