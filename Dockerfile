# syntax=docker/dockerfile:1
#
# Tandem's container image: one Node 24 process serving the REST API, /ws, /ws/code, /metrics
# and the built web app. Node runs the server's TypeScript directly (docs/decisions.md #1),
# so there is no server build step; only the web app is built (Vite).
#
#   docker build -t tandem .
#   docker run -p 8000:8000 -v tandem-data:/data tandem     # SQLite + uploads in the volume
#
# Stages:
#   build    every workspace's dependencies (dev included), then the web app -> apps/web/dist
#   deps     the server's production dependencies only, installed from the same lockfile
#   runtime  node:24-bookworm-slim + those dependencies + the server and package sources + dist
#
# Built and run for real with podman (no Docker engine on the machine it was written on):
# `npm run container:test` builds it FROM a local Node 24 base (--build-arg NODE_IMAGE=…) and
# checks the running container from outside; see docs/container.md.

ARG NODE_IMAGE=node:24-bookworm-slim

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src

# The lockfile names every workspace, so npm ci needs each workspace's package.json. Copying
# them before the sources keeps this layer cached until a dependency changes.
COPY package.json package-lock.json .npmrc ./
COPY apps/server/package.json apps/server/
COPY apps/web/package.json apps/web/
COPY packages/client/package.json packages/client/
COPY packages/crypto/package.json packages/crypto/
COPY packages/protocol/package.json packages/protocol/
# --ignore-scripts: no package in the lockfile needs an install script (better-sqlite3 and
# @node-rs/argon2 ship prebuilt binaries), and the slim image has no compiler for node-gyp.
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

# The web app imports the shared packages' TypeScript sources and the base tsconfig.
COPY tsconfig.base.json tsconfig.json ./
COPY packages packages
COPY apps/web apps/web
RUN npm run build -w @tandem/web

# ---------------------------------------------------------------------------------------------
# Production dependencies of the server alone. A fresh `npm ci --omit=dev -w @tandem/server`
# rather than `npm prune --omit=dev` in the build stage: prune keeps the production
# dependencies of *every* workspace (React, CodeMirror… of @tandem/web), which the server never
# loads; `-w @tandem/server --include-workspace-root` installs only the server's tree (the root
# has dev dependencies only, so it adds nothing) and links the workspace packages it uses.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY apps/server/package.json apps/server/
COPY apps/web/package.json apps/web/
COPY packages/client/package.json packages/client/
COPY packages/crypto/package.json packages/crypto/
COPY packages/protocol/package.json packages/protocol/
RUN npm ci --omit=dev --workspace @tandem/server --include-workspace-root \
      --ignore-scripts --no-audit --no-fund --loglevel=error

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime

# DATABASE_URL defaults to SQLite in the volume: one container works with zero set-up.
# Point it at PostgreSQL (and set REDIS_URL) to run several nodes; see compose.yaml.
ENV NODE_ENV=production \
    PORT=8000 \
    HOST=0.0.0.0 \
    WEB_DIR=/app/apps/web/dist \
    UPLOAD_DIR=/data/uploads \
    DATABASE_URL=sqlite:/data/tandem.db

WORKDIR /app

# /data belongs to the unprivileged `node` user (uid 1000, part of the base image); a named
# volume mounted there (or at /data/uploads) starts with this ownership.
RUN mkdir -p /data/uploads && chown -R node:node /data

# Code and dependencies stay root-owned and read-only to the process.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY apps/server/package.json apps/server/
COPY apps/server/src apps/server/src
# node_modules/@tandem/* are symlinks into packages/: protocol and crypto are runtime
# dependencies of the server; client (a dev dependency) is copied too, only so that its link
# does not dangle. They are a few kilobytes of TypeScript.
COPY packages/protocol/package.json packages/protocol/
COPY packages/protocol/src packages/protocol/src
COPY packages/crypto/package.json packages/crypto/
COPY packages/crypto/src packages/crypto/src
COPY packages/client/package.json packages/client/
COPY packages/client/src packages/client/src
COPY --from=build /src/apps/web/dist apps/web/dist

USER node
VOLUME /data
EXPOSE 8000

# Liveness only (the process answers). Load balancers should use /readyz, which also checks
# the database and the bus. No curl in the slim image: Node's fetch does the request.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# main.ts handles SIGTERM: stops accepting, tells chat sockets to reconnect elsewhere, stores
# every open code document, closes the database, and exits within 10 s. Give `docker stop`
# at least that long (its default is 10 s; compose.yaml sets stop_grace_period: 20s).
STOPSIGNAL SIGTERM
CMD ["node", "apps/server/src/main.ts"]
