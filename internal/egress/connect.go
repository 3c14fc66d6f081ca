package egress

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// allowed says whether the allowlist names host: an exact name, or ".example.com" / "*.example.com"
// for its subdomains; any port.
func (s *Session) allowed(hostport string) (string, error) {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return "", fmt.Errorf("%q is not host:port", hostport)
	}
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	for _, a := range s.cfg.Allow {
		a = strings.ToLower(strings.TrimSpace(a))
		switch {
		case a == h:
			return h, nil
		case strings.HasPrefix(a, "*.") && strings.HasSuffix(h, a[1:]):
			return h, nil
		case strings.HasPrefix(a, ".") && strings.HasSuffix(h, a):
			return h, nil
		}
	}
	return "", fmt.Errorf("%s is not in AGENT_EGRESS_ALLOW", h)
}

// connect opens a tunnel to an allowed host for HTTPS.
func (s *Session) connect(w http.ResponseWriter, r *http.Request) {
	if _, err := s.allowed(r.Host); err != nil || len(s.cfg.Allow) == 0 {
		http.Error(w, "claude-gitlab: egress refused: "+reason(err), http.StatusForbidden)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	up, err := s.dialAllowed(ctx, "tcp", r.Host)
	cancel()
	if err != nil {
		http.Error(w, "claude-gitlab: egress refused: "+err.Error(), http.StatusForbidden)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		up.Close()
		http.Error(w, "claude-gitlab: no tunnel", http.StatusInternalServerError)
		return
	}
	down, buf, err := hj.Hijack()
	if err != nil {
		up.Close()
		return
	}
	if !s.track(down, up) {
		return
	}
	_, _ = down.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n"))
	if n := buf.Reader.Buffered(); n > 0 { // bytes the client sent after its CONNECT
		b, _ := buf.Reader.Peek(n)
		_, _ = up.Write(b)
	}
	go s.pipe(down, up)
}

func reason(err error) string {
	if err == nil {
		return "AGENT_NETWORK is not allowlist"
	}
	return err.Error()
}

// track registers a tunnel's connections so that Close ends them; false when already closed.
func (s *Session) track(conns ...net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		for _, c := range conns {
			_ = c.Close()
		}
		return false
	}
	for _, c := range conns {
		s.tunnels[c] = struct{}{}
	}
	s.tunWG.Add(1)
	return true
}

// pipe copies both ways until either side ends, then closes both.
func (s *Session) pipe(a, b net.Conn) {
	defer s.tunWG.Done()
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go cp(a, b)
	go cp(b, a)
	<-done
	_ = a.Close()
	_ = b.Close()
	<-done
	s.mu.Lock()
	delete(s.tunnels, a)
	delete(s.tunnels, b)
	s.mu.Unlock()
}

// forwardHTTP relays a plain proxied HTTP request (absolute URL) to an allowed host.
func (s *Session) forwardHTTP(w http.ResponseWriter, r *http.Request) {
	if len(s.cfg.Allow) == 0 || r.URL.Scheme != "http" {
		http.Error(w, "claude-gitlab: egress refused: "+reason(nil), http.StatusForbidden)
		return
	}
	hostport := r.URL.Host
	if _, _, err := net.SplitHostPort(hostport); err != nil {
		hostport = net.JoinHostPort(r.URL.Hostname(), "80")
	}
	if _, err := s.allowed(hostport); err != nil {
		http.Error(w, "claude-gitlab: egress refused: "+err.Error(), http.StatusForbidden)
		return
	}
	rp := &httputil.ReverseProxy{Transport: s.egress, Rewrite: func(pr *httputil.ProxyRequest) {
		pr.Out.URL = r.URL
		pr.Out.Host = r.URL.Host
	}, ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
		http.Error(w, "claude-gitlab: egress refused: "+err.Error(), http.StatusForbidden)
	}}
	rp.ServeHTTP(w, r)
}

// dialAllowed connects to an allowed name; the address it connects to is checked at that moment
// (after resolving, on every address tried), so a name resolving to 127.0.0.1, 10.x or
// 169.254.169.254 is refused whatever the allowlist says.
func (s *Session) dialAllowed(ctx context.Context, network, addr string) (net.Conn, error) {
	if _, err := s.allowed(addr); err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: 10 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("egress: address %q: %w", address, err)
		}
		if !s.cfg.allowPrivate && Forbidden(ap.Addr()) {
			return fmt.Errorf("%s resolves to %s, a private, loopback, link-local or metadata address", addr, ap.Addr())
		}
		return nil
	}}
	return d.DialContext(ctx, network, addr)
}

// forbiddenNets are the ranges no egress may reach besides what netip classifies: shared
// address space (carrier NAT, some clouds' metadata), "this network", IETF protocol
// assignments, benchmarking, reserved.
var forbiddenNets = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"), netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"), netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"), netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"), netip.MustParsePrefix("2002::/16"),
}

// Forbidden says whether a is an address the agent must never reach through the allowlist.
func Forbidden(a netip.Addr) bool {
	a = a.Unmap()
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() || !a.IsValid() {
		return true
	}
	for _, p := range forbiddenNets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
