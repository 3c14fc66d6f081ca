#!/bin/sh
# Side-by-side intake benchmark: the real claude-gitlab binary against a bare Go handler (token
# check + JSON decode) in the same run, loaded by wrk on loopback. Three runs, then the medians.
# Usage: scripts/bench-intake.sh [-runs N] [-d 8s] [-mention-d 5s] [-only durably] [-spin 2]
#   (from anywhere in the repo; -only runs the cases whose name holds the word, -spin 2 runs two
#   busy loops beside it: the machine at about half speed)
set -eu
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1; then
	echo "bench-intake: installing wrk (Debian package)" >&2
	if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk; else sudo apt-get install -y wrk; fi
fi
payloads=${PAYLOADS:-../shared/gitlab-payloads}
[ -d "$payloads" ] || payloads=/work/shared/gitlab-payloads
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/benchintake" ./scripts/benchintake
echo "machine: $(nproc) CPU ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr), $(go version | cut -d' ' -f3)"
"$tmp/benchintake" -payloads "$payloads" "$@"
