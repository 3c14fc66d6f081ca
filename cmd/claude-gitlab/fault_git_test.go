package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// The MR's source branch moves while Claude works. A change that still applies is rebased once
// onto the new tip and pushed (never forced); one that conflicts goes to a new branch with an MR
// into the source branch, and the source branch keeps what the other person pushed.
func TestFaultPushRaceRebasesOnceOrFallsBack(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		theirs   map[string]string
		conflict bool
	}{
		{"change still applies", map[string]string{"other.go": "package main\n"}, false},
		{"change conflicts", map[string]string{"login.go": "package main\n\nfunc login() { panic(1) }\n"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			mr := w.mrWithChange(t, "feature/login", "login.go", "package main\n\nfunc login() {}\n")
			ev, body := w.g.MRNoteEvent(w.proj.ID, mr.IID, w.alice.ID,
				"@claude add a doc comment\nFAKE_CLAUDE edit login.go \"func login() {}\" \"// login signs a user in.\\nfunc login() {}\"\nFAKE_CLAUDE sleep 2")
			w.deliver(ev, body, http.StatusAccepted)
			w.waitFor("the agent to start", 20*time.Second, func() bool {
				for _, n := range w.botNotes(fakegitlab.ThreadMR, ref(mr.IID)) {
					if i := strings.Index(n.Body, "job="); i >= 0 {
						var id int64
						for _, ch := range n.Body[i+4:] {
							if ch < '0' || ch > '9' {
								break
							}
							id = id*10 + int64(ch-'0')
						}
						return w.agentStarted(id)
					}
				}
				return false
			})
			theirs := w.g.CommitFiles(w.proj.ID, "feature/login", "feature/login", c.theirs)
			notes := w.waitAnswers(fakegitlab.ThreadMR, ref(mr.IID), 1)
			tip := w.g.BranchSHA(w.proj.ID, "feature/login")
			var opened []fakegitlab.MergeRequest
			for _, m := range w.g.MergeRequests(w.proj.ID) {
				if m.IID != mr.IID {
					opened = append(opened, m)
				}
			}
			if !c.conflict {
				file, _ := w.g.FileAt(w.proj.ID, tip, "login.go")
				if w.g.Parent(w.proj.ID, tip) != theirs || !strings.Contains(file, "// login signs") || len(opened) != 0 {
					t.Fatalf("tip %s (parent %s, theirs %s), login.go %q, new MRs %+v\n%s", tip, w.g.Parent(w.proj.ID, tip), theirs, file, opened, notes[0].Body)
				}
				t.Logf("FIGURE push race, change applies: rebased once onto the moved branch and pushed on top")
				return
			}
			if tip != theirs || len(opened) != 1 || opened[0].TargetBranch != "feature/login" ||
				!strings.Contains(notes[0].Body, "changed while Claude worked") {
				t.Fatalf("tip %s (theirs %s), new MRs %+v, answer:\n%s", tip, theirs, opened, notes[0].Body)
			}
			t.Logf("FIGURE push race, change conflicts: their commit kept, change on %s with MR into feature/login", opened[0].SourceBranch)
		})
	}
}

// A push a server hook declines (push rules) is permanent: one clear failure reply, no retry.
func TestFaultRejectedPushEndsWithAClearReply(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	dir, err := w.g.Git(w.proj.ID, "rev-parse", "--absolute-git-dir")
	if err != nil {
		t.Fatal(err)
	}
	hook := "#!/bin/sh\necho 'GitLab: Commit message does not follow the pattern ^JIRA-[0-9]+' >&2\nexit 1\n"
	if err := os.WriteFile(filepath.Join(strings.TrimSpace(dir), "hooks", "pre-receive"), []byte(hook), 0o755); err != nil {
		t.Fatal(err)
	}
	iid := w.issueNote("Add a file", changeRequest("added.txt", ""))
	w.waitAnswers(fakegitlab.ThreadIssue, ref(iid), 1)
	w.waitDrained() // a retry would be queued or running
	notes := w.botNotes(fakegitlab.ThreadIssue, ref(iid))
	if len(notes) != 1 || !contains(notes[0].Body, "GitLab refused the push", "does not follow the pattern") {
		t.Fatalf("bot notes: %+v", notes)
	}
	if jobs := runCLI(t, w.env, "jobs", "list", "--json"); !strings.Contains(jobs, `"state": "failed"`) || strings.Count(jobs, `"attempt": 1,`) != 1 {
		t.Fatalf("the job should end at its first attempt:\n%s", jobs)
	}
	t.Logf("FIGURE rejected push: one failure reply quoting GitLab's rule, job ended after 1 attempt")
}
