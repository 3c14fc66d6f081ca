package job

import (
	"io"
	"os"
)

// maxClaudeMD bounds the repository's CLAUDE.md in the prompt.
const maxClaudeMD = 20_000

// claudeMD reads the CLAUDE.md at the root of the worktree, as Claude Code would on a laptop: the
// CLI itself runs with --setting-sources user (the repository's .claude/settings.json could
// otherwise widen its permissions), which also keeps it from reading CLAUDE.md. Only a regular
// file inside the worktree is read: a symlink pointing out of it is ignored.
func claudeMD(dir string) string {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return ""
	}
	defer root.Close()
	f, err := root.Open("CLAUDE.md")
	if err != nil {
		return ""
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(f, maxClaudeMD+1))
	return string(b)
}
