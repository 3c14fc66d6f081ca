package review

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gitDiff makes a repository with two commits and returns `git diff` between them, as GitLab
// computes an MR's diff: added, removed and unchanged lines in main.go, and util.go renamed to
// helpers.go with one line changed.
func gitDiff(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	git := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git("init", "-q", "-b", "main")
	write("main.go", lines("package main", "", "import \"fmt\"", "", "func main() {", "\tfmt.Println(\"a\")",
		"\tfmt.Println(\"b\")", "\tfmt.Println(\"c\")", "}", "", "func unused() {}", "", "// end"))
	write("util.go", lines("package main", "", "// Util does things.", "func Util() int {", "\treturn 1", "}",
		"", "// More docs", "// that make", "// the file long", "// enough to", "// detect a rename"))
	git("add", ".")
	git("commit", "-q", "-m", "base")
	// main.go: line 7 (b) removed, a line added after it, line 11 (unused) removed.
	write("main.go", lines("package main", "", "import \"fmt\"", "", "func main() {", "\tfmt.Println(\"a\")",
		"\tfmt.Println(\"B!\")", "\tfmt.Println(\"c\")", "}", "", "// end"))
	os.Remove(filepath.Join(dir, "util.go"))
	write("helpers.go", lines("package main", "", "// Util does things.", "func Util() int {", "\treturn 2", "}",
		"", "// More docs", "// that make", "// the file long", "// enough to", "// detect a rename"))
	git("add", "-A")
	git("commit", "-q", "-m", "change")
	return git("diff", "-M", "--no-color", "HEAD~1", "HEAD")
}

func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

func TestPlaceOnARealDiff(t *testing.T) {
	files := ParseGitDiff(gitDiff(t))
	if len(files) != 2 {
		t.Fatalf("files: %+v", files)
	}
	tests := []struct {
		name string
		f    Finding
		want Position
		ok   bool
	}{
		{"added line", Finding{Path: "main.go", NewLine: 7}, Position{OldPath: "main.go", NewPath: "main.go", NewLine: 7}, true},
		{"removed line", Finding{Path: "main.go", OldLine: 7}, Position{OldPath: "main.go", NewPath: "main.go", OldLine: 7}, true},
		{"removed function", Finding{Path: "main.go", OldLine: 11}, Position{OldPath: "main.go", NewPath: "main.go", OldLine: 11}, true},
		{"unchanged line by new number", Finding{Path: "main.go", NewLine: 8}, Position{OldPath: "main.go", NewPath: "main.go", OldLine: 8, NewLine: 8}, true},
		{"unchanged line after the removal", Finding{Path: "main.go", NewLine: 11}, Position{OldPath: "main.go", NewPath: "main.go", OldLine: 13, NewLine: 11}, true},
		{"unchanged line by old number", Finding{Path: "main.go", OldLine: 13}, Position{OldPath: "main.go", NewPath: "main.go", OldLine: 13, NewLine: 11}, true},
		{"renamed file, changed line", Finding{Path: "helpers.go", NewLine: 5}, Position{OldPath: "util.go", NewPath: "helpers.go", NewLine: 5}, true},
		{"renamed file by its old path", Finding{Path: "util.go", OldLine: 5}, Position{OldPath: "util.go", NewPath: "helpers.go", OldLine: 5}, true},
		{"renamed file, unchanged context", Finding{Path: "./helpers.go", NewLine: 4}, Position{OldPath: "util.go", NewPath: "helpers.go", OldLine: 4, NewLine: 4}, true},
		{"line outside every hunk", Finding{Path: "helpers.go", NewLine: 12}, Position{}, false},
		{"line past the end", Finding{Path: "main.go", NewLine: 400}, Position{}, false},
		{"file not in the diff", Finding{Path: "README.md", NewLine: 1}, Position{}, false},
		{"no line", Finding{Path: "main.go"}, Position{}, false},
		{"removed line named as new", Finding{Path: "main.go", NewLine: 0, OldLine: 11}, Position{OldPath: "main.go", NewPath: "main.go", OldLine: 11}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Place(files, tt.f)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("Place(%+v) = %+v, %v; want %+v, %v", tt.f, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// GitLab's API gives each file's hunks without the git header; the same lines must come out.
func TestParseFileOfGitLabsDiffField(t *testing.T) {
	_, out, _ := strings.Cut(gitDiff(t), "diff --git a/main.go")
	_, hunks, _ := strings.Cut(out, "\n@@")
	hunks, _, _ = strings.Cut("@@"+hunks, "\ndiff --git")
	f := ParseFile("main.go", "main.go", hunks+"\n")
	if !f.Added[7] || !f.Removed[7] || !f.Removed[11] || f.NewToOld[11] != 13 || f.Added[8] {
		t.Fatalf("lines: %+v", f)
	}
}
