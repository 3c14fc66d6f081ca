// Package review is a merge request review: its pure decisions (which lines of a diff a comment
// may point at, where each finding goes — a diff discussion or the summary —, how a finding is
// recognised again in a later review, the texts posted), and the Poster that carries them out
// over a few GitLab calls, each one a recorded step; FindFollowUp finds the finding a fix request
// answers.
package review

import (
	"strconv"
	"strings"
)

// File is one changed file of a merge request's diff, with the lines a diff comment may point at.
type File struct {
	OldPath, NewPath string
	Added            map[int]bool // new line numbers of "+" lines
	Removed          map[int]bool // old line numbers of "-" lines
	NewToOld         map[int]int  // unchanged lines shown in the hunks: new line → old line
	OldToNew         map[int]int  // the same, the other way
}

// ParseFile reads the hunks of one file as GitLab's API gives them (the `diff` field: hunks
// starting at "@@", no "diff --git" header) or as `git diff` prints them (headers are skipped).
func ParseFile(oldPath, newPath, diff string) File {
	f := File{OldPath: oldPath, NewPath: newPath, Added: map[int]bool{}, Removed: map[int]bool{},
		NewToOld: map[int]int{}, OldToNew: map[int]int{}}
	var oldN, newN int
	inHunk := false
	for _, l := range strings.Split(diff, "\n") {
		switch {
		case strings.HasPrefix(l, "@@"):
			oldN, newN = hunkStarts(l)
			inHunk = true
		case !inHunk:
			// a header line of `git diff` output ("--- a/x", "+++ b/x", "index …")
		case strings.HasPrefix(l, "+"):
			f.Added[newN] = true
			newN++
		case strings.HasPrefix(l, "-"):
			f.Removed[oldN] = true
			oldN++
		case strings.HasPrefix(l, " "):
			f.NewToOld[newN], f.OldToNew[oldN] = oldN, newN
			oldN++
			newN++
		case strings.HasPrefix(l, `\`): // "\ No newline at end of file"
		case l == "":
			// GitLab's diffs end with a newline; an empty line inside a hunk is not a diff line.
		default:
			inHunk = false
		}
	}
	return f
}

// hunkStarts reads "@@ -12,5 +14,7 @@ func x()" into 12 and 14.
func hunkStarts(l string) (int, int) {
	fields := strings.Fields(l)
	if len(fields) < 3 {
		return 0, 0
	}
	start := func(s string) int {
		n, _ := strconv.Atoi(strings.Split(s[1:], ",")[0])
		return n
	}
	return start(fields[1]), start(fields[2])
}

// Position is where a diff comment goes, in GitLab's terms: an added line has only NewLine, a
// removed line only OldLine, an unchanged line both.
type Position struct {
	OldPath, NewPath string
	OldLine, NewLine int
}

// Line is a finding's place as Claude gave it.
func (p Position) Line() int {
	if p.NewLine > 0 {
		return p.NewLine
	}
	return p.OldLine
}

// Place finds the position of a finding in the diff. ok is false when the file is not in the
// diff or the line is not one the diff shows: the finding then belongs in the summary.
func Place(files []File, f Finding) (Position, bool) {
	file, ok := findFile(files, f.Path)
	if !ok {
		return Position{}, false
	}
	pos := Position{OldPath: file.OldPath, NewPath: file.NewPath}
	switch {
	case f.NewLine > 0 && file.Added[f.NewLine]:
		pos.NewLine = f.NewLine
	case f.NewLine > 0 && file.NewToOld[f.NewLine] > 0:
		pos.NewLine, pos.OldLine = f.NewLine, file.NewToOld[f.NewLine]
	case f.NewLine == 0 && f.OldLine > 0 && file.Removed[f.OldLine]:
		pos.OldLine = f.OldLine
	case f.NewLine == 0 && f.OldLine > 0 && file.OldToNew[f.OldLine] > 0:
		pos.OldLine, pos.NewLine = f.OldLine, file.OldToNew[f.OldLine]
	default:
		return Position{}, false
	}
	return pos, true
}

// findFile matches a path against the new path first, then the old one (a finding on a line
// the change removed from a renamed or deleted file names the old path).
func findFile(files []File, path string) (File, bool) {
	path = strings.TrimPrefix(strings.TrimPrefix(path, "./"), "/")
	for _, f := range files {
		if f.NewPath == path {
			return f, true
		}
	}
	for _, f := range files {
		if f.OldPath == path {
			return f, true
		}
	}
	return File{}, false
}

// ParseGitDiff reads the output of `git diff` (several files, with renames) into files.
func ParseGitDiff(out string) []File {
	var files []File
	for _, chunk := range strings.Split("\n"+out, "\ndiff --git ")[1:] {
		header, _, _ := strings.Cut(chunk, "\n@@")
		var oldPath, newPath string
		lines := strings.Split(header, "\n")
		if a, b, ok := strings.Cut(lines[0], " b/"); ok {
			oldPath, newPath = strings.TrimPrefix(a, "a/"), b
		}
		for _, l := range lines[1:] {
			switch {
			case strings.HasPrefix(l, "rename from "):
				oldPath = strings.TrimPrefix(l, "rename from ")
			case strings.HasPrefix(l, "rename to "):
				newPath = strings.TrimPrefix(l, "rename to ")
			case strings.HasPrefix(l, "--- a/"):
				oldPath = strings.TrimPrefix(l, "--- a/")
			case strings.HasPrefix(l, "+++ b/"):
				newPath = strings.TrimPrefix(l, "+++ b/")
			}
		}
		files = append(files, ParseFile(oldPath, newPath, chunk))
	}
	return files
}
