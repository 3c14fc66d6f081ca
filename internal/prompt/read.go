package prompt

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/authz"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
)

// ThreadReader is what reading a thread for its prompt needs of GitLab (gitlab.Client has it).
type ThreadReader interface {
	Issue(ctx context.Context, projectID, iid int64) (gitlab.Thread, error)
	MergeRequest(ctx context.Context, projectID, iid int64) (gitlab.MR, error)
	MergeRequestDiff(ctx context.Context, projectID, iid int64, maxBytes int) ([]gitlab.DiffFile, error)
	ListNotes(ctx context.Context, t gitlab.ThreadRef, opts gitlab.ListNotesOptions) ([]gitlab.Note, error)
	MemberLevels(ctx context.Context, projectID int64, userIDs []int64) (map[int64]int, error)
}

// Reader reads a request's thread (ThreadInput.Request) into the input of its prompt.
type Reader struct {
	GitLab  ThreadReader
	Thread  gitlab.ThreadRef
	BotID   int64 // this service's user: its notes are a bot's
	OwnNote int64 // the job's progress note, which is not a comment "so far"
	// Since: a resumed session has seen the comments up to this one, and its own answers (0: a
	// fresh session, which is given the whole thread).
	Since int64
	// RequesterLevel is the requester's role when authorisation read it already, else nil;
	// ReadRequesterLevel reads it (once per job).
	RequesterLevel     *int
	ReadRequesterLevel func(ctx context.Context) (int, error)
}

// Read is what reading the thread learnt besides the prompt's input.
type Read struct {
	Ref            string // the commit the worktree starts from ("": the default branch)
	LastNote       int64  // the newest comment the run sees (its session keeps it)
	AnsweredBefore bool   // the thread has an answer of an earlier job of ours
}

// Read fills in the thread's part of in: the issue's or merge request's text and author, the
// comments so far with their authors' roles, and the requester's role.
func (rd Reader) Read(ctx context.Context, in *ThreadInput) (Read, error) {
	ref, threadBy, err := rd.readThread(ctx, in)
	if err != nil {
		return Read{}, err
	}
	notes, err := rd.GitLab.ListNotes(ctx, rd.Thread, gitlab.ListNotesOptions{ExcludeSystem: true})
	if err != nil {
		return Read{}, fmt.Errorf("read the discussion: %w", err)
	}
	kept, got := rd.soFar(notes, in.Request.NoteID)
	got.Ref = ref
	if len(kept) > MaxNotes { // the prompt quotes the latest ones: only their authors are looked up
		in.Omitted, kept = len(kept)-MaxNotes, kept[len(kept)-MaxNotes:]
	}
	authors := map[int64]string{}
	if threadBy != 0 {
		authors[threadBy] = in.ThreadBy
	}
	for _, n := range kept {
		authors[n.AuthorID] = n.AuthorUsername
	}
	roles, err := rd.roles(ctx, in.Request.Project.ID, in.Request.Author.ID, authors)
	if err != nil {
		return got, err
	}
	level, err := rd.ReadRequesterLevel(ctx)
	if err != nil {
		return got, err
	}
	in.RequestRole = authz.RoleName(level)
	in.ThreadRole = roles[threadBy]
	for _, n := range kept {
		in.Notes = append(in.Notes, Note{Author: n.AuthorUsername, Body: n.Body, Who: roles[n.AuthorID]})
	}
	return got, nil
}

// readThread reads the issue or merge request the request is on: its text and author, and the
// commit the worktree starts from.
func (rd Reader) readThread(ctx context.Context, in *ThreadInput) (ref string, threadBy int64, err error) {
	req := in.Request
	switch req.Thread.Type {
	case event.ThreadIssue:
		is, err := rd.GitLab.Issue(ctx, req.Project.ID, req.Thread.IID)
		if err != nil {
			return "", 0, fmt.Errorf("read the issue: %w", err)
		}
		in.Title, in.Description, in.ThreadBy = is.Title, is.Description, is.AuthorUsername
		return "", is.AuthorID, nil
	case event.ThreadMergeRequest:
		mr, err := rd.GitLab.MergeRequest(ctx, req.Project.ID, req.Thread.IID)
		if err != nil {
			return "", 0, fmt.Errorf("read the merge request: %w", err)
		}
		in.Title, in.Description, in.ThreadBy = mr.Title, mr.Description, mr.AuthorUsername
		files, err := rd.GitLab.MergeRequestDiff(ctx, req.Project.ID, mr.IID, MaxDiffChars)
		if err != nil {
			return "", 0, fmt.Errorf("read the merge request's changes: %w", err)
		}
		in.MR = mrInput(mr, files)
		return "refs/merge-requests/" + strconv.FormatInt(mr.IID, 10) + "/head", mr.AuthorID, nil
	case event.ThreadCommit:
		return req.Thread.CommitSHA, 0, nil
	}
	return "", 0, nil
}

// mrInput is what a merge request and its changes add to the prompt.
func mrInput(mr gitlab.MR, files []gitlab.DiffFile) *MR {
	in := &MR{SourceBranch: mr.SourceBranch, TargetBranch: mr.TargetBranch}
	var diff strings.Builder
	for _, f := range files {
		in.Files = append(in.Files, f.NewPath)
		fmt.Fprintf(&diff, "--- a/%s\n+++ b/%s\n%s\n", f.OldPath, f.NewPath, f.Diff)
	}
	in.Diff = diff.String()
	return in
}

// soFar are the thread's comments before the request (requestID; 0: none, as for a review) that
// the prompt quotes: not the request itself, the job's own note or later comments, and for a
// resumed session only those written since, not by the bot.
func (rd Reader) soFar(notes []gitlab.Note, requestID int64) ([]gitlab.Note, Read) {
	var kept []gitlab.Note
	got := Read{LastNote: requestID}
	for _, n := range notes {
		if n.ID == requestID || n.ID == rd.OwnNote || (requestID != 0 && n.ID > requestID) {
			continue // the request is quoted on its own; later comments and our own note are not "so far"
		}
		got.LastNote = max(got.LastNote, n.ID)
		got.AnsweredBefore = got.AnsweredBefore || n.AuthorID == rd.BotID && marker.HasJob(n.Body)
		if rd.Since != 0 && (n.ID <= rd.Since || n.AuthorID == rd.BotID) {
			continue // a resumed session has them already (its own answers among them)
		}
		kept = append(kept, n)
	}
	return kept, got
}

// roles labels the authors of a thread's text (id → username), with their roles read in one
// request per hundred authors: bots (this service, access-token bots, service accounts) and
// non-members are untrusted, and their text is fenced as data.
func (rd Reader) roles(ctx context.Context, projectID, requesterID int64, authors map[int64]string) (map[int64]Role, error) {
	levels := map[int64]int{}
	if rd.RequesterLevel != nil {
		levels[requesterID] = *rd.RequesterLevel // known from authorisation
	}
	if ids := rd.unknown(authors, levels); len(ids) > 0 {
		got, err := rd.GitLab.MemberLevels(ctx, projectID, ids)
		if err != nil {
			return nil, fmt.Errorf("read the roles of the thread's authors: %w", err)
		}
		for id, l := range got {
			levels[id] = l
		}
	}
	out := make(map[int64]Role, len(authors))
	for id, name := range authors {
		out[id] = AuthorRole(levels[id], (rd.BotID != 0 && id == rd.BotID) || authz.IsBotName(name))
	}
	return out, nil
}

// unknown are the authors whose role is to be read, in order: not bots, not known already.
func (rd Reader) unknown(authors map[int64]string, known map[int64]int) []int64 {
	ids := make([]int64, 0, len(authors))
	for id, name := range authors {
		_, ok := known[id]
		if id != 0 && !ok && id != rd.BotID && !authz.IsBotName(name) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// AuthorRole is how the prompt labels an author with access level (0: not a member): a bot's
// and a non-member's text is untrusted.
func AuthorRole(level int, bot bool) Role {
	switch {
	case bot:
		return Role{Label: "bot", Untrusted: true}
	case level == 0:
		return Role{Label: authz.RoleName(0), Untrusted: true}
	}
	return Role{Label: authz.RoleName(level)}
}
