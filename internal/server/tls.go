package server

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// certReloader serves the certificate in its files and loads it again when the files change, so a
// rotated certificate is used without a restart.
type certReloader struct {
	certFile, keyFile string
	log               *slog.Logger

	mu      sync.Mutex
	cert    *tls.Certificate
	modTime time.Time
	checked time.Time
}

func newCertReloader(certFile, keyFile string, log *slog.Logger) (*certReloader, error) {
	c := &certReloader{certFile: certFile, keyFile: keyFile, log: log}
	if err := c.load(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *certReloader) tlsConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: c.get}
}

func (c *certReloader) load() error {
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return fmt.Errorf("TLS_CERT_FILE/TLS_KEY_FILE: %w", err)
	}
	c.cert = &cert
	c.modTime = c.newestModTime()
	return nil
}

func (c *certReloader) newestModTime() time.Time {
	var newest time.Time
	for _, f := range []string{c.certFile, c.keyFile} {
		if st, err := os.Stat(f); err == nil && st.ModTime().After(newest) {
			newest = st.ModTime()
		}
	}
	return newest
}

// get looks at the files at most once a second; a broken new pair keeps the old certificate.
func (c *certReloader) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.checked) < time.Second {
		return c.cert, nil
	}
	c.checked = time.Now()
	if mt := c.newestModTime(); mt.After(c.modTime) {
		old := c.cert
		if err := c.load(); err != nil {
			c.cert = old
			c.modTime = mt
			if c.log != nil {
				c.log.Warn("new TLS certificate not loaded; keeping the old one", "error", err)
			}
		} else if c.log != nil {
			c.log.Info("TLS certificate reloaded", "file", c.certFile)
		}
	}
	return c.cert, nil
}
