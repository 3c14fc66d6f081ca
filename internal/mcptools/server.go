// Package mcptools serves Claude's GitLab tools: an MCP server (the official Go SDK) inside the
// service, reached by the CLI through our own binary in a helper mode (helper.go) that the CLI
// starts over stdio inside the sandbox and that connects to the service's Unix socket. The
// GitLab token never leaves the service: every call goes through internal/gitlab (rate limit,
// retries, GITLAB_DEBUG) with the scope of one job, granted by a capability that is valid for
// that job only and refused once it ends.
package mcptools

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// ServerName is the name the CLI knows the tools under: mcp__gitlab__<tool>.
const ServerName = "gitlab"

// ToolPrefix is how the CLI names the tools in permissions (CLAUDE_ALLOWED_TOOLS): the whole
// server is mcp__gitlab, one tool mcp__gitlab__read_issue.
const ToolPrefix = "mcp__" + ServerName

// handshakeTimeout bounds how long a connection may take to present its capability.
const handshakeTimeout = 5 * time.Second

// Server accepts the helpers' connections on a Unix socket and serves each the tools of the job
// its capability names. Close it after the workers stopped.
type Server struct {
	gl   GitLab
	log  *slog.Logger
	dir  string
	sock string
	ln   net.Listener

	mu     sync.Mutex
	grants map[[32]byte]*grant // by the capability's hash
	closed bool
	wg     sync.WaitGroup // the accept loop and every connection
	stop   context.CancelFunc
	ctx    context.Context
}

// grant is one job's right to the tools, live until revoked.
type grant struct {
	scope Scope
	mu    sync.Mutex
	live  bool
	conns map[net.Conn]struct{}
	// projects caches the ids of other projects the job read.
	projects map[string]int64
	calls    int // tool calls so far
}

// New listens on a new socket in a folder of its own under dir (os.TempDir() when empty or too
// long for a socket's path). The
// folder is bound into each sandbox; the socket is open to every local user (the agent's user
// in user mode): the capability is what grants anything.
func New(gl GitLab, dir string, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if len(dir) > 60 { // a Unix socket's path has at most 107 bytes
		dir = ""
	}
	folder, err := os.MkdirTemp(dir, "claude-gitlab-mcp-")
	if err != nil {
		return nil, fmt.Errorf("mcptools: socket folder: %w", err)
	}
	sock := filepath.Join(folder, "tools.sock")
	ln, err := net.Listen("unix", sock)
	if err == nil {
		err = errors.Join(os.Chmod(folder, 0o711), os.Chmod(sock, 0o777))
	}
	if err != nil {
		_ = os.RemoveAll(folder)
		return nil, fmt.Errorf("mcptools: listen on %s: %w", sock, err)
	}
	ctx, stop := context.WithCancel(context.Background())
	s := &Server{gl: gl, log: log, dir: folder, sock: sock, ln: ln, grants: map[[32]byte]*grant{}, ctx: ctx, stop: stop}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Socket is the socket's path (the same inside the sandbox, where its folder is bound).
func (s *Server) Socket() string { return s.sock }

// Folder is the socket's folder, to bind into the sandbox.
func (s *Server) Folder() string { return s.dir }

// Grant gives a job its tools: the capability for the helper, and revoke, which ends the grant
// and every connection made with it. The capability is refused for any other job's grant and
// after revoke.
func (s *Server) Grant(scope Scope) (capability string, revoke func()) {
	var raw [32]byte
	_, _ = rand.Read(raw[:]) // crypto/rand never fails on Linux
	capability = hex.EncodeToString(raw[:])
	key := sha256.Sum256([]byte(capability))
	g := &grant{scope: scope.withDefaults(), live: true, conns: map[net.Conn]struct{}{}, projects: map[string]int64{}}
	s.mu.Lock()
	s.grants[key] = g
	s.mu.Unlock()
	return capability, func() {
		s.mu.Lock()
		delete(s.grants, key)
		s.mu.Unlock()
		g.mu.Lock()
		g.live = false
		for c := range g.conns {
			_ = c.Close()
		}
		g.mu.Unlock()
	}
}

// Close stops accepting, ends every connection and removes the socket.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	s.stop()
	_ = s.ln.Close()
	s.wg.Wait()
	_ = os.RemoveAll(s.dir)
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return // closed
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(c)
		}()
	}
}

// serve reads the capability line, then runs an MCP session with the grant's tools until either
// side ends it, the grant is revoked or the server closes.
func (s *Server) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(handshakeTimeout))
	br := bufio.NewReaderSize(c, 4096)
	line, err := br.ReadSlice('\n')
	if err != nil {
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	g := s.lookup(strings.TrimSpace(strings.TrimPrefix(string(line), "capability ")))
	if g == nil || !g.attach(c) {
		s.log.Warn("mcptools: a connection presented no valid capability (unknown, or its job ended); refused")
		_, _ = io.WriteString(c, refusedLine)
		return
	}
	defer g.detach(c)
	ctx, cancel := context.WithCancel(s.ctx)
	closer := make(chan struct{}) // the server's Close, or the session's end, closes the connection
	go func() {
		defer close(closer)
		<-ctx.Done()
		_ = c.Close()
	}()
	defer func() { cancel(); <-closer }()
	srv := newToolServer(s, g)
	sess, err := srv.Connect(ctx, &mcp.IOTransport{Reader: readCloser{br, c}, Writer: c}, nil)
	if err != nil {
		s.log.Warn("mcptools: MCP session did not start", "error", err)
		return
	}
	_ = sess.Wait()
}

// refusedLine is what a refused helper reads instead of an MCP session.
const refusedLine = "refused: no valid capability for the GitLab tools (unknown, or its job has ended)\n"

func (s *Server) lookup(capability string) *grant {
	if len(capability) != 64 {
		return nil
	}
	key := sha256.Sum256([]byte(capability))
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.grants[key]
}

func (g *grant) attach(c net.Conn) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.live {
		return false
	}
	g.conns[c] = struct{}{}
	return true
}

func (g *grant) detach(c net.Conn) {
	g.mu.Lock()
	delete(g.conns, c)
	g.mu.Unlock()
}

func (g *grant) isLive() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.live
}

// take counts a call; false once the run has made its MaxCalls.
func (g *grant) take() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls++
	return g.calls <= g.scope.MaxCalls
}

type readCloser struct {
	io.Reader
	io.Closer
}
