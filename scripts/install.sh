#!/bin/sh
# Installs claude-gitlab on a Debian or Ubuntu machine, the same steps as the Dockerfile:
# the binary, git, Node.js and the Claude Code CLI (pinned), a non-root user, a systemd unit.
#
#   sudo scripts/install.sh                      # everything, into /opt/claude-gitlab
#   scripts/install.sh --prefix DIR --no-system  # only the binary and the CLI into DIR (no root)
#
# Options:
#   --prefix DIR     where bin/claude-gitlab and bin/claude go (default /opt/claude-gitlab)
#   --no-system      skip apt-get, the user, /etc and systemd (CI, trying it out)
#   --user NAME      the service's user (default claude-gitlab)
#   --data-dir DIR   DATA_DIR of the service (default /var/lib/claude-gitlab)
#   --config-dir DIR where the .env lives (default /etc/claude-gitlab)
set -eu

CLI_VERSION=2.1.328 # newer releases need Node 22; keep in step with internal/doctor
PREFIX=/opt/claude-gitlab
SYSTEM=1
SERVICE_USER=claude-gitlab
DATA_DIR=/var/lib/claude-gitlab
CONFIG_DIR=/etc/claude-gitlab
REPO=$(cd "$(dirname "$0")/.." && pwd)

while [ $# -gt 0 ]; do
	case "$1" in
	--prefix) PREFIX=$2; shift 2 ;;
	--no-system) SYSTEM=0; shift ;;
	--user) SERVICE_USER=$2; shift 2 ;;
	--data-dir) DATA_DIR=$2; shift 2 ;;
	--config-dir) CONFIG_DIR=$2; shift 2 ;;
	-h|--help) sed -n '2,15p' "$0"; exit 0 ;;
	*) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done

step() { printf '==> %s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

system_packages() {
	missing=""
	command -v git >/dev/null 2>&1 || missing="$missing git"
	command -v node >/dev/null 2>&1 || missing="$missing nodejs"
	command -v npm >/dev/null 2>&1 || missing="$missing npm"
	[ -z "$missing" ] && return 0
	[ "$SYSTEM" = 1 ] || die "missing:$missing (run without --no-system as root, or install them)"
	step "apt-get install$missing"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ca-certificates $missing
}

build_binary() {
	command -v go >/dev/null 2>&1 || die "Go is needed to build (go.mod asks for $(sed -n 's/^go //p' "$REPO/go.mod")): https://go.dev/dl/"
	version=$(git -C "$REPO" describe --tags --always --dirty 2>/dev/null || echo dev)
	commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
	step "build claude-gitlab $version into $PREFIX/bin"
	mkdir -p "$PREFIX/bin"
	# Plain `go build` flags (no -trimpath, cgo as the environment has it) reuse the compile
	# cache of an earlier build or test run: seconds instead of minutes. The pure-Go SQLite
	# driver needs no cgo either way.
	(cd "$REPO" && go build -ldflags "-s -w -X main.version=$version -X main.commit=$commit" \
		-o "$PREFIX/bin/claude-gitlab" ./cmd/claude-gitlab)
}

# install_cli puts the pinned CLI under the prefix. npm keeps its download cache (~/.npm), so a
# second install is quick. The CLI is a native binary from an optional dependency; where npm
# skipped the package's install script, bin/claude is a placeholder: link the binary instead.
install_cli() {
	step "npm install @anthropic-ai/claude-code@$CLI_VERSION into $PREFIX"
	npm install -g --prefix "$PREFIX" --no-audit --no-fund --loglevel=error \
		"@anthropic-ai/claude-code@$CLI_VERSION"
	if ! "$PREFIX/bin/claude" --version >/dev/null 2>&1; then
		native=$(find "$PREFIX/lib/node_modules/@anthropic-ai" -path '*claude-code-linux-*' -name claude -type f -size +1M | head -n 1)
		[ -n "$native" ] || die "no Claude Code binary for this platform under $PREFIX/lib/node_modules"
		ln -sf "$native" "$PREFIX/bin/claude"
	fi
	"$PREFIX/bin/claude" --version | grep -q "$CLI_VERSION" || die "$PREFIX/bin/claude is not $CLI_VERSION"
}

service_user() {
	if ! id "$SERVICE_USER" >/dev/null 2>&1; then
		step "create user $SERVICE_USER"
		useradd --system --home-dir "$DATA_DIR" --shell /usr/sbin/nologin "$SERVICE_USER"
	fi
	install -d -m 0700 -o "$SERVICE_USER" -g "$SERVICE_USER" "$DATA_DIR" "$CONFIG_DIR"
	if [ ! -f "$CONFIG_DIR/.env" ]; then
		step "write $CONFIG_DIR/.env from .env.example (fill in GITLAB_TOKEN and the rest)"
		sed -e "s|^# DATA_DIR=.*|DATA_DIR=$DATA_DIR|" -e "s|^# CLAUDE_PATH=.*|CLAUDE_PATH=$PREFIX/bin/claude|" \
			"$REPO/.env.example" >"$CONFIG_DIR/.env"
		chown "$SERVICE_USER:$SERVICE_USER" "$CONFIG_DIR/.env"
		chmod 0600 "$CONFIG_DIR/.env"
	fi
}

systemd_unit() {
	step "install /etc/systemd/system/claude-gitlab.service"
	sed -e "s|/opt/claude-gitlab|$PREFIX|g" -e "s|/var/lib/claude-gitlab|$DATA_DIR|g" \
		-e "s|/etc/claude-gitlab|$CONFIG_DIR|g" -e "s|^User=.*|User=$SERVICE_USER|" -e "s|^Group=.*|Group=$SERVICE_USER|" \
		"$REPO/deploy/claude-gitlab.service" >/etc/systemd/system/claude-gitlab.service
	systemctl daemon-reload 2>/dev/null || echo "(systemd not running here: enable the unit on the real machine)"
}

system_packages
build_binary
install_cli
"$PREFIX/bin/claude-gitlab" version
if [ "$SYSTEM" = 1 ]; then
	[ "$(id -u)" = 0 ] || die "run as root for the user, $CONFIG_DIR and systemd steps (or pass --no-system)"
	service_user
	systemd_unit
	cat <<NEXT

Installed. Next:
  1. edit $CONFIG_DIR/.env (GITLAB_TOKEN, WEBHOOK_SECRET, PUBLIC_URL, ANTHROPIC_API_KEY)
  2. cd $CONFIG_DIR && sudo -u $SERVICE_USER $PREFIX/bin/claude-gitlab setup --project group/project
  3. systemctl enable --now claude-gitlab
  4. mention @claude in an issue of that project
NEXT
fi
