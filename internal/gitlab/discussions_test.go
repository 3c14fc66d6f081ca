package gitlab

import (
	"errors"
	"testing"
)

// A review's calls against the fake: the latest diff version, a comment on an added line, a
// position outside the diff refused as ErrBadPosition, the marker finding the discussion again,
// resolving it.
func TestFakeGitLabDiffDiscussions(t *testing.T) {
	w := newFakeWorld(t)
	w.g.CommitFiles(w.p.ID, "main", "feature", map[string]string{"a.go": "package a\n\nfunc A() {}\n"})
	mr := w.g.CreateMR(w.p.ID, w.alice.ID, "feature", "main", "Add A", "")
	vs, err := w.c.MergeRequestVersions(ctx, w.p.ID, mr.IID)
	if err != nil || len(vs) != 1 || vs[0].Head != mr.SHA || vs[0].Base == "" || vs[0].Start == "" {
		t.Fatalf("versions = %+v, %v", vs, err)
	}
	files, err := w.c.MergeRequestVersionDiff(ctx, w.p.ID, mr.IID, vs[0].ID)
	if err != nil || len(files) != 1 || files[0].NewPath != "a.go" || !files[0].New {
		t.Fatalf("version diff = %+v, %v", files, err)
	}
	pos := Position{BaseSHA: vs[0].Base, StartSHA: vs[0].Start, HeadSHA: vs[0].Head, OldPath: "a.go", NewPath: "a.go", NewLine: 3}
	d, err := w.c.CreateDiffDiscussion(ctx, w.p.ID, mr.IID, pos, "A needs a doc comment.", "<!-- m1 -->")
	if err != nil || d.ID == "" || d.Position == nil || d.Position.NewLine != 3 || d.Resolved {
		t.Fatalf("CreateDiffDiscussion = %+v, %v", d, err)
	}
	pos.NewLine = 40
	if _, err := w.c.CreateDiffDiscussion(ctx, w.p.ID, mr.IID, pos, "far away", "<!-- m2 -->"); !errors.Is(err, ErrBadPosition) {
		t.Fatalf("a line outside the diff: %v, want ErrBadPosition", err)
	}
	found, ok, err := w.c.FindDiscussion(ctx, w.p.ID, mr.IID, "<!-- m1 -->")
	if err != nil || !ok || found.ID != d.ID {
		t.Fatalf("FindDiscussion = %+v, %v, %v", found, ok, err)
	}
	if err := w.c.ResolveDiscussion(ctx, w.p.ID, mr.IID, d.ID, true); err != nil {
		t.Fatal(err)
	}
	ds, err := w.c.ListDiscussions(ctx, w.p.ID, mr.IID)
	if err != nil || len(ds) != 1 || !ds[0].Resolved || ds[0].Notes[0].AuthorID != w.bot.ID {
		t.Fatalf("ListDiscussions = %+v, %v", ds, err)
	}
}
