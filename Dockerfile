# syntax=docker/dockerfile:1
# claude-gitlab with git, Node.js and the Claude Code CLI, running as a non-root user.
#   docker build -t claude-gitlab .
#   docker run --init -p 3000:3000 --env-file .env -v claude-gitlab-data:/data claude-gitlab
# scripts/install.sh does the same steps on a Debian machine without Docker.

FROM golang:1.26-bookworm AS build
# go.mod's toolchain line (a go1.26 patch release without known reachable vulnerabilities) wins
# over the image's Go; the image says GOTOOLCHAIN=local.
ENV GOTOOLCHAIN=auto
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
        -o /out/claude-gitlab ./cmd/claude-gitlab

# Node 20 is what the pinned CLI installs cleanly on (newer CLI releases want Node 22); the CLI
# itself is a native binary, so Node's version does not matter when it runs.
FROM node:20-bookworm-slim
ARG CLAUDE_CODE_VERSION=2.1.328
RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates openssh-client bubblewrap util-linux \
    && rm -rf /var/lib/apt/lists/*
RUN npm install -g --prefix /opt/claude --no-audit --no-fund "@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}" \
    && { /opt/claude/bin/claude --version >/dev/null 2>&1 \
         || ln -sf "$(find /opt/claude/lib/node_modules/@anthropic-ai -path '*claude-code-linux-*' -name claude -type f | head -n 1)" /opt/claude/bin/claude; } \
    && /opt/claude/bin/claude --version | grep -q "${CLAUDE_CODE_VERSION}" \
    && npm cache clean --force
COPY --from=build /out/claude-gitlab /usr/local/bin/claude-gitlab

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin claude \
    && install -d -o claude -g claude -m 0700 /data
USER claude
WORKDIR /home/claude
ENV PATH=/opt/claude/bin:$PATH \
    DATA_DIR=/data \
    PORT=3000 \
    LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["claude-gitlab"]
CMD ["serve"]
