package workspace

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// WikiProject is the project's wiki repository: <path>.wiki.git next to the project's own,
// derived from the project's clone URL (the API's, not a payload's), so the token only ever goes
// to the GitLab it belongs to.
func WikiProject(p Project) Project {
	return Project{ID: p.ID, Path: p.Path + ".wiki", Wiki: true,
		CloneURL: strings.TrimSuffix(p.CloneURL, ".git") + ".wiki.git"}
}

// wikiExt is the file extension GitLab gives a page of each format.
func wikiExt(format string) string {
	switch format {
	case "rdoc":
		return ".rdoc"
	case "asciidoc":
		return ".asciidoc"
	case "org":
		return ".org"
	}
	return ".md"
}

// WikiFile is the page's file in the wiki's worktree dir, relative to it: <slug>.<ext of format>,
// or the one file named <slug>.* if the format's extension differs.
func WikiFile(dir, slug, format string) (string, error) {
	if !filepath.IsLocal(filepath.FromSlash(slug)) {
		return "", fmt.Errorf("wiki page %q: not a page path", slug)
	}
	name := slug + wikiExt(format)
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name))); err == nil {
		return name, nil
	}
	matches, _ := filepath.Glob(filepath.Join(dir, filepath.FromSlash(slug)+".*"))
	if len(matches) == 1 {
		return filepath.ToSlash(strings.TrimPrefix(matches[0], dir+string(filepath.Separator))), nil
	}
	return "", fmt.Errorf("wiki page %q: no file %s in the wiki's repository", slug, name)
}

// EditWikiPage rewrites the page's file (relative to dir) with edit, when that changes it; a page
// that is gone (Claude removed or moved it) is left as it is.
func EditWikiPage(dir, file string, edit func(string) string) error {
	path := filepath.Join(dir, filepath.FromSlash(file))
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the wiki page: %w", err)
	}
	if edited := edit(string(b)); edited != string(b) {
		return os.WriteFile(path, []byte(edited), 0o644)
	}
	return nil
}
