package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Token is the GitLab token of a running service. It can be read again from where it came from
// (the .env file or GITLAB_TOKEN_FILE) after `rotate-token`, without a restart. Safe for
// concurrent use: every GitLab call and git command asks Get.
type Token struct {
	lookup  Lookup
	envFile string

	mu    sync.RWMutex
	value string
}

// NewToken holds cfg's token; Reload reads it again with the same lookup and .env file.
func NewToken(cfg Config, lookup Lookup, envFile string) *Token {
	return &Token{lookup: lookup, envFile: envFile, value: cfg.GitLabToken}
}

// Get is the current token.
func (t *Token) Get() string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.value
}

// Reload reads the settings again, with the same precedence as at start, and keeps the token
// they name. It reports whether the value changed; on error the old token stays.
func (t *Token) Reload() (changed bool, err error) {
	cfg, err := Load(t.lookup, t.envFile, false)
	if err != nil {
		return false, err
	}
	if cfg.GitLabToken == "" {
		return false, errors.New("GITLAB_TOKEN is empty after reload; keeping the old token")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	changed = cfg.GitLabToken != t.value
	t.value = cfg.GitLabToken
	return changed, nil
}

// TokenSource says where GITLAB_TOKEN came from, so that rotate-token writes the new one there.
type TokenSource struct {
	Kind string // "env" (the process environment: cannot be written), "envfile" or "file"
	Path string // the .env file or GITLAB_TOKEN_FILE
}

func (s TokenSource) String() string {
	if s.Kind == "env" {
		return "the environment variable GITLAB_TOKEN"
	}
	return s.Path
}

// SourceOfToken follows Load's precedence: GITLAB_TOKEN in the environment, then in the .env
// file, then the file GITLAB_TOKEN_FILE names.
func SourceOfToken(lookup Lookup, envFile string) (TokenSource, error) {
	if v, ok := lookup("GITLAB_TOKEN"); ok && v != "" {
		return TokenSource{Kind: "env"}, nil
	}
	fileVals, err := readEnvFile(envFile)
	if err != nil {
		return TokenSource{}, err
	}
	if fileVals["GITLAB_TOKEN"] != "" {
		return TokenSource{Kind: "envfile", Path: envFile}, nil
	}
	r := reader{lookup: lookup, file: fileVals}
	if p, ok := r.raw("GITLAB_TOKEN_FILE"); ok {
		return TokenSource{Kind: "file", Path: p}, nil
	}
	return TokenSource{}, errors.New("GITLAB_TOKEN is not set (neither in the environment, .env nor GITLAB_TOKEN_FILE)")
}

// CheckWritable fails early, before GitLab revokes the old token, if the new one could not be
// written to the source.
func (s TokenSource) CheckWritable() error {
	if s.Kind == "env" {
		return errors.New("GITLAB_TOKEN comes from the process environment, which rotate-token cannot change: " +
			"move it to .env or GITLAB_TOKEN_FILE, or use --print and store the new token yourself")
	}
	f, err := os.CreateTemp(filepath.Dir(s.Path), ".claude-gitlab-token-check-*")
	if err != nil {
		return fmt.Errorf("cannot write next to %s (the new token goes there): %w", s.Path, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// Write stores a new token in the source atomically (a temporary file renamed over the old
// one), keeping the file's mode and, in a .env file, every other line as it was.
func (s TokenSource) Write(token string) error {
	switch s.Kind {
	case "file":
		return writeAtomic(s.Path, []byte(token+"\n"))
	case "envfile":
		old, err := os.ReadFile(s.Path)
		if err != nil {
			return fmt.Errorf("read %s: %w", s.Path, err)
		}
		return writeAtomic(s.Path, replaceEnvValue(old, "GITLAB_TOKEN", token))
	}
	return fmt.Errorf("cannot write the token to %s", s)
}

// replaceEnvValue rewrites the KEY=… line (also "export KEY=…"), or appends one.
func replaceEnvValue(content []byte, key, value string) []byte {
	lines := strings.SplitAfter(string(content), "\n")
	found := false
	for i, line := range lines {
		trimmed := strings.TrimSpace(line)
		export := strings.HasPrefix(trimmed, "export ")
		k, _, ok := strings.Cut(strings.TrimPrefix(trimmed, "export "), "=")
		if !ok || strings.TrimSpace(k) != key {
			continue
		}
		prefix := ""
		if export {
			prefix = "export "
		}
		lines[i] = prefix + key + "=" + value + "\n"
		found = true
	}
	out := strings.Join(lines, "")
	if !found {
		if out != "" && !strings.HasSuffix(out, "\n") {
			out += "\n"
		}
		out += key + "=" + value + "\n"
	}
	return []byte(out)
}

func writeAtomic(path string, data []byte) error {
	mode := os.FileMode(0o600)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".claude-gitlab-token-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op after the rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
