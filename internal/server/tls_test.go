package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writeCert writes a fresh self-signed certificate for 127.0.0.1 and returns it, parsed.
func writeCert(t *testing.T, certFile, keyFile string, serial int64, mtime time.Time) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "claude-gitlab test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: localIPs(), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	writeFile(t, certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), mtime)
	writeFile(t, keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), mtime)
	cert, _ := x509.ParseCertificate(der)
	return cert
}

// writeFile replaces a file the way rotation tools do (write aside, rename) with a chosen mtime,
// so the test need not wait for the clock to tick.
func writeFile(t *testing.T, path string, data []byte, mtime time.Time) {
	tmp := path + ".new"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(tmp, mtime, mtime)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func localIPs() []net.IP { return []net.IP{net.ParseIP("127.0.0.1")} }

func startTLS(t *testing.T, certFile, keyFile string) *Server {
	t.Helper()
	s, err := Listen(Options{Addr: "127.0.0.1:0", CertFile: certFile, KeyFile: keyFile,
		Webhook: http.NotFoundHandler()})
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve()
	t.Cleanup(func() { s.srv.Close() })
	return s
}

// handshake connects and returns the certificate the server presented.
func handshake(t *testing.T, s *Server, maxVersion uint16) (*x509.Certificate, error) {
	t.Helper()
	conn, err := tls.Dial("tcp", s.Addr().String(), &tls.Config{InsecureSkipVerify: true, MaxVersion: maxVersion})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0], nil
}

// forceRecheck lets the next handshake look at the files at once instead of after a second.
func forceRecheck(s *Server) {
	s.certs.mu.Lock()
	s.certs.checked = time.Time{}
	s.certs.mu.Unlock()
}

func TestTLSServesAndReloadsRotatedCertificate(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	start := time.Now().Add(-time.Minute)
	first := writeCert(t, certFile, keyFile, 1, start)
	s := startTLS(t, certFile, keyFile)

	pool := x509.NewCertPool()
	pool.AddCert(first)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get("https://" + s.Addr().String() + "/health")
	if err != nil {
		t.Fatalf("GET /health over TLS with the first certificate trusted: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}

	second := writeCert(t, certFile, keyFile, 2, start.Add(30*time.Second))
	forceRecheck(s)
	got, err := handshake(t, s, 0)
	if err != nil || got.SerialNumber.Cmp(second.SerialNumber) != 0 {
		t.Fatalf("after rotation the handshake presented serial %v (err %v), want 2", got.SerialNumber, err)
	}

	// A broken new pair (key not matching) keeps the last good certificate.
	os.WriteFile(certFile, []byte("not a certificate"), 0o600)
	os.Chtimes(certFile, start.Add(45*time.Second), start.Add(45*time.Second))
	forceRecheck(s)
	if got, err := handshake(t, s, 0); err != nil || got.SerialNumber.Int64() != 2 {
		t.Fatalf("broken files: serial %v, err %v; want the old certificate kept", got, err)
	}
}

func TestTLSRefusesOldVersions(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	writeCert(t, certFile, keyFile, 1, time.Now())
	s := startTLS(t, certFile, keyFile)
	if _, err := handshake(t, s, tls.VersionTLS11); err == nil {
		t.Fatal("a TLS 1.1 handshake succeeded")
	}
	if _, err := handshake(t, s, tls.VersionTLS12); err != nil {
		t.Fatalf("TLS 1.2: %v", err)
	}
}

func TestTLSBadFilesFailAtStart(t *testing.T) {
	dir := t.TempDir()
	_, err := Listen(Options{Addr: "127.0.0.1:0", CertFile: filepath.Join(dir, "missing.crt"), KeyFile: filepath.Join(dir, "missing.key"), Webhook: http.NotFoundHandler()})
	if err == nil {
		t.Fatal("Listen with missing certificate files succeeded")
	}
}
