package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
)

// replicaID names this replica across restarts: its host and its DATA_DIR (each replica has its
// own, for its repository cache). A replica that restarts after a crash takes its own running
// jobs back at once instead of waiting for them to go stale (queue.Options.ReplicaID).
func replicaID(cfg config.Config) string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "host"
	}
	if len(host) > 48 {
		host = host[:48]
	}
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		dir = cfg.DataDir
	}
	sum := sha256.Sum256([]byte(dir))
	return host + "/" + hex.EncodeToString(sum[:4])
}
