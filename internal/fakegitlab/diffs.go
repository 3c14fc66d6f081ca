package fakegitlab

import (
	"fmt"
	"strconv"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// fileDiff is one file of a diff, as GitLab's API shows it, with the line numbers a diff note
// may point at.
type fileDiff struct {
	gitlab.MergeRequestDiff
	added   map[int64]bool    // new line numbers of "+" lines
	removed map[int64]bool    // old line numbers of "-" lines
	context map[[2]int64]bool // (old, new) pairs of unchanged lines shown in hunks
}

// diffFiles runs the real git diff between two commits of a project's repository.
func (g *GitLab) diffFiles(p *project, base, head string) ([]*fileDiff, error) {
	out, err := g.git.Git(p.Path, "-c", "core.quotepath=false", "diff", "--no-color", "--no-ext-diff", "-M", "--full-index", base, head)
	if err != nil {
		return nil, fmt.Errorf("diff %s..%s: %w", base, head, err)
	}
	var files []*fileDiff
	for _, chunk := range strings.Split(out, "\ndiff --git ") {
		chunk = strings.TrimPrefix(chunk, "diff --git ")
		if strings.TrimSpace(chunk) != "" {
			files = append(files, parseFileDiff(chunk))
		}
	}
	return files, nil
}

// parseFileDiff reads one file's part of `git diff` output (after "diff --git ").
func parseFileDiff(chunk string) *fileDiff {
	f := &fileDiff{added: map[int64]bool{}, removed: map[int64]bool{}, context: map[[2]int64]bool{}}
	header, hunks, _ := strings.Cut(chunk, "\n@@")
	if hunks != "" {
		hunks = "@@" + hunks
	}
	lines := strings.Split(header, "\n")
	if a, b, ok := strings.Cut(lines[0], " b/"); ok {
		f.OldPath, f.NewPath = strings.TrimPrefix(a, "a/"), b
	}
	for _, l := range lines[1:] {
		parseHeaderLine(f, l)
	}
	if f.AMode == "" {
		f.AMode = f.BMode
	}
	if f.BMode == "" {
		f.BMode = f.AMode
	}
	f.Diff = hunks
	if hunks != "" && !strings.HasSuffix(hunks, "\n") {
		f.Diff += "\n"
	}
	f.indexLines()
	return f
}

func parseHeaderLine(f *fileDiff, l string) {
	switch {
	case strings.HasPrefix(l, "new file mode "):
		f.NewFile, f.AMode, f.BMode = true, "0", strings.TrimPrefix(l, "new file mode ")
	case strings.HasPrefix(l, "deleted file mode "):
		f.DeletedFile, f.AMode, f.BMode = true, strings.TrimPrefix(l, "deleted file mode "), "0"
	case strings.HasPrefix(l, "old mode "):
		f.AMode = strings.TrimPrefix(l, "old mode ")
	case strings.HasPrefix(l, "new mode "):
		f.BMode = strings.TrimPrefix(l, "new mode ")
	case strings.HasPrefix(l, "index "):
		if fields := strings.Fields(l); len(fields) == 3 && f.AMode == "" {
			f.AMode = fields[2]
		}
	case strings.HasPrefix(l, "rename from "):
		f.RenamedFile, f.OldPath = true, strings.TrimPrefix(l, "rename from ")
	case strings.HasPrefix(l, "rename to "):
		f.NewPath = strings.TrimPrefix(l, "rename to ")
	case strings.HasPrefix(l, "--- a/"):
		f.OldPath = strings.TrimPrefix(l, "--- a/")
	case strings.HasPrefix(l, "+++ b/"):
		f.NewPath = strings.TrimPrefix(l, "+++ b/")
	}
}

// indexLines walks the hunks to learn which lines a diff note may point at.
func (f *fileDiff) indexLines() {
	var oldN, newN int64
	for _, l := range strings.Split(f.Diff, "\n") {
		switch {
		case strings.HasPrefix(l, "@@"):
			oldN, newN = hunkStarts(l)
		case strings.HasPrefix(l, "+"):
			f.added[newN] = true
			newN++
		case strings.HasPrefix(l, "-"):
			f.removed[oldN] = true
			oldN++
		case strings.HasPrefix(l, " "):
			f.context[[2]int64{oldN, newN}] = true
			oldN++
			newN++
		}
	}
}

// hunkStarts reads "@@ -12,5 +14,7 @@" into 12 and 14.
func hunkStarts(l string) (int64, int64) {
	fields := strings.Fields(l)
	if len(fields) < 3 {
		return 0, 0
	}
	start := func(s string) int64 {
		n, _ := strconv.ParseInt(strings.Split(s[1:], ",")[0], 10, 64)
		return n
	}
	return start(fields[1]), start(fields[2])
}

// lineCodeError is GitLab's answer to a diff note whose position is not a line of the diff.
const lineCodeError = `Note {:line_code=>["can't be blank", "must be a valid line code"]}`

// checkPosition validates a diff note's position against the MR version it names (or the
// commit's own diff): the file must be in that diff and the line a shown one. It returns the
// position to store or GitLab's error message.
func (g *GitLab) checkPosition(p *project, th *thread, in params) (*gitlab.NotePosition, string) {
	pos := positionFromParams(in)
	if pos.PositionType != "text" {
		return pos, "" // image and file positions carry no line to check
	}
	base, head, ok := g.positionRange(p, th, pos)
	if !ok {
		return nil, lineCodeError
	}
	files, err := g.diffFiles(p, base, head)
	if err != nil {
		return nil, lineCodeError
	}
	for _, f := range files {
		if f.NewPath == pos.NewPath || (pos.NewPath == "" && f.OldPath == pos.OldPath) {
			if f.hasLine(pos.OldLine, pos.NewLine) {
				return pos, ""
			}
		}
	}
	return nil, lineCodeError
}

func (f *fileDiff) hasLine(oldLine, newLine int64) bool {
	switch {
	case oldLine > 0 && newLine > 0:
		return f.context[[2]int64{oldLine, newLine}]
	case newLine > 0:
		return f.added[newLine]
	case oldLine > 0:
		return f.removed[oldLine]
	}
	return false
}

// positionRange finds the diff a position refers to: an MR version with those SHAs, or the
// commit's diff against its first parent.
func (g *GitLab) positionRange(p *project, th *thread, pos *gitlab.NotePosition) (string, string, bool) {
	if th.key.kind == ThreadCommit {
		parent := g.commitSHA(p, th.key.ref+"^")
		return parent, th.key.ref, parent != "" && (pos.HeadSHA == "" || pos.HeadSHA == th.key.ref)
	}
	if th.key.kind != ThreadMR {
		return "", "", false
	}
	iid, _ := strconv.ParseInt(th.key.ref, 10, 64)
	mr := p.mrs[iid]
	g.refreshMR(p, mr)
	for _, v := range mr.versions {
		if v.head == pos.HeadSHA && v.base == pos.BaseSHA && (pos.StartSHA == "" || v.start == pos.StartSHA) {
			return v.base, v.head, true
		}
	}
	return "", "", false
}
