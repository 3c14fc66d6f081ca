package fakegitlab

import (
	"net/http"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// Differences by tier and version the fake models (compat.go).
func TestTierAndVersionDifferences(t *testing.T) {
	free := newWorld(t, Options{Tier: TierFree})
	owner := free.g.AddUser("olga", "Olga", false)
	free.g.AddGroupMember("group", owner.ID, Owner)
	c := free.client(t, free.g.AddToken(owner.ID, []string{"api"}, time.Time{}, "personal"))
	if _, resp, err := c.Groups.ListGroupHooks("group", nil); err == nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("group hooks on Free: %v", err)
	}
	if _, resp, err := c.Projects.GetProjectPushRules(free.p.ID); err == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("push_rule on Free: %v", err)
	}

	for _, tc := range []struct {
		version string
		listed  bool
	}{{VersionLTS, false}, {VersionLatest, true}} {
		w := newWorld(t, Options{Version: tc.version})
		bob := w.g.AddUser("bob", "Bob", false)
		w.g.AddGroupMember("partners", bob.ID, Developer)
		w.g.ShareProjectWithGroup(w.p.ID, "partners", Developer)
		bc := w.client(t, w.g.AddToken(bob.ID, []string{"api"}, time.Time{}, "personal"))
		if _, _, err := bc.Projects.GetProject(w.p.ID, nil); err != nil {
			t.Fatalf("%s: a shared-group member cannot see the project: %v", tc.version, err)
		}
		ac := w.client(t, w.g.AddToken(w.alice.ID, []string{"api"}, time.Time{}, "personal"))
		_, resp, err := ac.ProjectMembers.GetInheritedProjectMember(w.p.ID, bob.ID)
		if listed := err == nil; listed != tc.listed || (!listed && resp.StatusCode != http.StatusNotFound) {
			t.Fatalf("%s: members/all lists a shared-group member: %v (%v)", tc.version, listed, err)
		}
	}
}

// A child pipeline's failure shows in the parent only as a failed bridge with its downstream.
func TestBridgesAndChildPipelines(t *testing.T) {
	w := newWorld(t, Options{})
	w.g.CommitFiles(w.p.ID, "main", "feature", map[string]string{"x.go": "package x\n"})
	parent, child, _, _, _ := w.g.ChildPipelineEvents(w.p.ID, "feature", w.alice.ID, map[string]string{"unit": "boom\n"})
	c := w.client(t, w.g.AddToken(w.alice.ID, []string{"api"}, time.Time{}, "personal"))
	failed := []gitlab.BuildStateValue{gitlab.Failed}
	jobs, _, err := c.Jobs.ListPipelineJobs(w.p.ID, parent, &gitlab.ListJobsOptions{Scope: &failed})
	if err != nil || len(jobs) != 0 {
		t.Fatalf("the parent's failed jobs: %v %v (bridges are not jobs)", jobs, err)
	}
	bridges, _, err := c.Jobs.ListPipelineBridges(w.p.ID, parent, nil)
	if err != nil || len(bridges) != 1 || bridges[0].DownstreamPipeline == nil || bridges[0].DownstreamPipeline.ID != child {
		t.Fatalf("bridges: %+v %v", bridges, err)
	}
	jobs, _, err = c.Jobs.ListPipelineJobs(w.p.ID, child, &gitlab.ListJobsOptions{Scope: &failed})
	if err != nil || len(jobs) != 1 || jobs[0].Name != "unit" {
		t.Fatalf("the child's failed jobs: %+v %v", jobs, err)
	}
}
