package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Network and credential directives of a prompt-injected agent:
//
//	dial ADDR TEXT       connects to ADDR (host:port) and sends TEXT and a newline, through
//	                     HTTPS_PROXY (CONNECT) when set, as a tool would; answers with a JSON
//	                     report: via, connected, status, error, took_ms
//	findsecret SHA256    looks for a value whose SHA-256 is SHA256 (the test never puts the
//	                     secret itself in the prompt) in its environment, every readable
//	                     /proc/*/environ and cmdline, and the files under HOME, the worktree,
//	                     /tmp and /run; answers {"found":bool,"where":[...],"scanned":N}

// dials are the reports of this run's dial directives: the answer lists them all.
var dials []string

func (s *session) dial(addr, text string) {
	start := time.Now()
	report := map[string]any{"via": "direct"}
	conn, err := s.connect(addr, report)
	if err == nil {
		_, err = fmt.Fprintf(conn, "%s\n", text)
		conn.Close()
	}
	report["connected"] = err == nil
	if err != nil {
		report["error"] = err.Error()
	}
	report["took_ms"] = time.Since(start).Milliseconds()
	report["addr"] = addr
	s.answerJSON(report)
	dials = append(dials, s.answer)
	s.answer = strings.Join(dials, "\n")
}

func (s *session) connect(addr string, report map[string]any) (net.Conn, error) {
	proxy := os.Getenv("HTTPS_PROXY")
	if proxy == "" {
		return net.DialTimeout("tcp", addr, 5*time.Second)
	}
	report["via"] = "proxy"
	u, err := url.Parse(proxy)
	if err != nil {
		return nil, err
	}
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(conn, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", addr, addr)
	r := bufio.NewReader(conn)
	status, err := r.ReadString('\n')
	report["status"] = strings.TrimSpace(status)
	if err != nil || !strings.Contains(status, " 200 ") {
		conn.Close()
		return nil, fmt.Errorf("proxy refused: %q %v", strings.TrimSpace(status), err)
	}
	for { // the rest of the proxy's answer
		line, err := r.ReadString('\n')
		if err != nil || strings.TrimSpace(line) == "" {
			break
		}
	}
	return conn, nil
}

func (s *session) findSecret(hash string) {
	var where []string
	scanned := 0
	check := func(place string, data []byte) {
		scanned++
		for _, f := range strings.FieldsFunc(string(data), func(r rune) bool {
			return r == 0 || r == '\n' || r == '=' || r == ' ' || r == '"' || r == '\'' || r == ':' || r == ',' || r == '\t'
		}) {
			sum := sha256.Sum256([]byte(f))
			if hex.EncodeToString(sum[:]) == hash {
				where = append(where, place)
				return
			}
		}
	}
	check("own environment", []byte(strings.Join(os.Environ(), "\x00")))
	for _, pattern := range []string{"/proc/[0-9]*/environ", "/proc/[0-9]*/cmdline"} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			if data, err := os.ReadFile(p); err == nil {
				check(p, data)
			}
		}
	}
	cwd, _ := os.Getwd()
	for _, root := range []string{os.Getenv("HOME"), cwd, "/tmp", "/run"} {
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return nil
			}
			if info, err := d.Info(); err == nil && info.Size() < 4<<20 {
				if data, err := os.ReadFile(p); err == nil {
					check(p, data)
				}
			}
			if len(where) > 0 || scanned > 20000 {
				return fs.SkipAll
			}
			return nil
		})
	}
	s.answerJSON(map[string]any{"found": len(where) > 0, "where": where, "scanned": scanned})
}
