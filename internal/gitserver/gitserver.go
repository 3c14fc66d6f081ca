// Package gitserver serves bare git repositories over git's smart HTTP protocol (git http-backend
// behind net/http/cgi), checking credentials the way GitLab does. Tests and the demo use it as the
// real git server behind the fake GitLab.
package gitserver

import (
	"fmt"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// ProtectedMessage is what GitLab answers to a push onto a protected branch.
const ProtectedMessage = "GitLab: You are not allowed to push code to protected branches on this project."

// Server holds bare repositories under Root, one `<path>.git` each.
type Server struct {
	Root string
	// CheckToken says whether a token (the HTTP basic-auth password, any user name, as GitLab
	// accepts "oauth2:<token>") may use the repositories. Nil means every request is allowed.
	CheckToken func(token string) bool

	gitPath string
	mu      sync.Mutex // serialises repository set-up
}

// New returns a server for bare repositories under root.
func New(root string) (*Server, error) {
	gitPath, err := exec.LookPath("git")
	if err != nil {
		return nil, fmt.Errorf("gitserver: git not found: %w", err)
	}
	return &Server{Root: root, gitPath: gitPath}, nil
}

// RepoDir is the bare repository of a project path such as "group/project".
func (s *Server) RepoDir(path string) string {
	return filepath.Join(s.Root, filepath.FromSlash(path)+".git")
}

// ServeHTTP answers git's smart HTTP requests: /<project path>.git/info/refs, git-upload-pack and
// git-receive-pack.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.ServeHTTPEnv(w, r, nil) }

// ServeHTTPEnv is ServeHTTP with more environment for git and its hooks: GitLab's stand-in puts
// the protected branches the pushing user may push to in PushAllowedEnv.
func (s *Server) ServeHTTPEnv(w http.ResponseWriter, r *http.Request, env []string) {
	user, token, ok := r.BasicAuth()
	if s.CheckToken != nil && (!ok || !s.CheckToken(token)) {
		w.Header().Set("WWW-Authenticate", `Basic realm="GitLab"`)
		http.Error(w, "HTTP Basic: Access denied.", http.StatusUnauthorized)
		return
	}
	if user == "" {
		user = "anonymous"
	}
	h := &cgi.Handler{
		Path: s.gitPath,
		Args: []string{"http-backend"},
		Env: []string{
			"GIT_PROJECT_ROOT=" + s.Root,
			"GIT_HTTP_EXPORT_ALL=1",
			"REMOTE_USER=" + user,
		},
	}
	h.Env = append(h.Env, env...)
	h.ServeHTTP(w, r)
}

// CreateRepo makes a bare repository at path whose default branch holds files (name → content)
// in one commit. It returns the commit's SHA.
func (s *Server) CreateRepo(path, defaultBranch string, files map[string]string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	bare := s.RepoDir(path)
	if err := os.MkdirAll(filepath.Dir(bare), 0o755); err != nil {
		return "", err
	}
	work, err := os.MkdirTemp("", "gitserver-seed-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	for name, content := range files {
		p := filepath.Join(work, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return "", err
		}
	}
	steps := [][]string{
		{"init", "-q", "-b", defaultBranch, work},
		{"-C", work, "add", "-A"},
		{"-C", work, "-c", "user.name=Seed", "-c", "user.email=seed@example.com", "commit", "-q", "-m", "Initial commit"},
		{"clone", "-q", "--bare", work, bare},
		{"-C", bare, "config", "http.receivepack", "true"},
	}
	for _, args := range steps {
		if _, err := s.git(args...); err != nil {
			return "", err
		}
	}
	sha, err := s.git("-C", bare, "rev-parse", defaultBranch)
	return strings.TrimSpace(sha), err
}

// PushAllowedEnv names the environment variable that lists, space-separated, the protected
// branch patterns the pushing user may push to (ServeHTTPEnv).
const PushAllowedEnv = "GITSERVER_PUSH_ALLOWED"

// PushOnlyEnv, when set, lists (space-separated) the only branches the pushing user may push to:
// GitLab's collaborators on a fork's merge request may push to its source branch, nothing else.
const PushOnlyEnv = "GITSERVER_PUSH_ONLY"

// NotAllowedMessage is GitLab's answer to a push the user may not make at all.
const NotAllowedMessage = "GitLab: You are not allowed to push code to this project."

// SetProtected replaces the branch patterns of path ("main", "release/*": "*" matches any run
// of characters, "/" included, as in GitLab) that refuse pushes, with GitLab's message, unless
// a pattern in PushAllowedEnv matches the branch too (GitLab's most permissive rule wins).
func (s *Server) SetProtected(path string, patterns ...string) error {
	for _, p := range patterns {
		if strings.ContainsAny(p, " \t\n'\"`$\\|;&()<>?[]") {
			return fmt.Errorf("gitserver: protected branch pattern %q: only names and * are supported", p)
		}
	}
	hook := "#!/bin/sh\nset -f\n" +
		"allowed() { for p in $" + PushAllowedEnv + "; do case \"$1\" in $p) return 0;; esac; done; return 1; }\n" +
		"only() { [ -z \"$" + PushOnlyEnv + "\" ] && return 0; for p in $" + PushOnlyEnv + "; do [ \"$1\" = \"$p\" ] && return 0; done; return 1; }\n" +
		"while read old new ref; do\n  case \"$ref\" in refs/heads/*) ;; *) continue;; esac\n  b=${ref#refs/heads/}\n" +
		"  only \"$b\" || { echo " + fmt.Sprintf("%q", NotAllowedMessage) + " >&2; exit 1; }\n"
	if len(patterns) > 0 {
		hook += "  case \"$b\" in\n    " + strings.Join(patterns, "|") + ") allowed \"$b\" || { echo " + fmt.Sprintf("%q", ProtectedMessage) + " >&2; exit 1; };;\n  esac\n"
	}
	hook += "done\nexit 0\n"
	dir := filepath.Join(s.RepoDir(path), "hooks")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "pre-receive"), []byte(hook), 0o755)
}

// Git runs git with args in the bare repository of path and returns its output.
func (s *Server) Git(path string, args ...string) (string, error) {
	return s.git(append([]string{"-C", s.RepoDir(path)}, args...)...)
}

func (s *Server) git(args ...string) (string, error) {
	cmd := exec.Command(s.gitPath, args...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}
