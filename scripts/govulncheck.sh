#!/usr/bin/env bash
# govulncheck, offline: the Go vulnerability database is read from the golang.org/x/vulndb module
# (its data/osv folder of OSV entries, which `govulncheck -db file://` reads as a database), fetched
# through the Go module proxy like any module; no request goes to vuln.go.dev. It fails (exit 3)
# when the code reaches a known vulnerability, of the standard library or of a module.
# Both versions are pinned: raise VULNDB_VERSION to learn of newer vulnerabilities
# (`go list -m -json golang.org/x/vulndb@latest`).
set -euo pipefail
cd "$(dirname "$0")/.."

GOVULNCHECK_VERSION=v1.10.0
VULNDB_VERSION=v0.0.0-20261105234957-e22db6528018

db=$(go mod download -json "golang.org/x/vulndb@${VULNDB_VERSION}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [ ! -d "$db/data/osv" ]; then
  echo "govulncheck.sh: no data/osv in golang.org/x/vulndb@${VULNDB_VERSION} ($db)" >&2
  exit 2
fi
echo "govulncheck ${GOVULNCHECK_VERSION}, database golang.org/x/vulndb@${VULNDB_VERSION}, $(go env GOVERSION)"
go run "golang.org/x/vuln/cmd/govulncheck@${GOVULNCHECK_VERSION}" -db "file://$db/data/osv" ./...
