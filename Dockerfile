# syntax=docker/dockerfile:1
# meshd, the mesh-broker server, as a container image (used by docker-compose.yml).
#   docker build -t mesh-broker .
#   docker run -p 8700:8700 -e MESH_SHARED_KEY=... mesh-broker
# The default configuration is the repository's conf/ (development mailboxes); mount your own
# over /app/conf, or pass other flags after the image name (they replace the CMD below).

# ---- build: compile TypeScript and the native better-sqlite3 addon --------------------------
FROM node:20-bookworm-slim AS build

# better-sqlite3 downloads a prebuilt binary when one matches; otherwise node-gyp compiles it,
# which needs python3, make and g++.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, from the manifests alone, so this layer is reused until they change.
# --ignore-scripts: a plain `npm ci` would also run the package's own `prepare` script (tsc),
# and the sources are deliberately not copied yet. That also skips the dependencies' install
# scripts (better-sqlite3's fetches or compiles its addon), so `npm rebuild` runs those just
# after; it runs no script of the root package.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild

# Then the sources (everything .dockerignore lets through: no node_modules, dist, test, bench),
# compiled to dist/, and the dev dependencies (tsc, tap, ...) dropped.
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: only what meshd reads when it runs ---------------------------------------------
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    MESH_HOST=0.0.0.0 \
    MESH_PORT=8700 \
    MESH_DATA_DIR=/app/data

WORKDIR /app

# package.json: packageRoot() finds schemas/ by walking up to it, and it names the package.
# schemas/: every config file is validated against them at start-up. conf/: the default config.
# Owned by root, so the meshd process cannot rewrite its own code or configuration.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules/ node_modules/
COPY --from=build /app/dist/ dist/
COPY --from=build /app/schemas/ schemas/
COPY --from=build /app/conf/ conf/

# The only writable place: the data dir (SQLite and payloads in embedded mode; with PostgreSQL
# and S3 it holds nothing that matters). A named volume mounted here inherits this ownership.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]

USER node
EXPOSE 8700

# slim images have no curl: ask node itself. Plain HTTP; with --tls-cert, override it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.MESH_PORT||8700)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# meshd handles SIGTERM itself: stops intake, finishes in-flight requests and adapter work, exits 0;
# past shutdownTimeoutMs (default 25 s) it forces connections closed and exits 1.
ENTRYPOINT ["node", "dist/bin/meshd.js"]
CMD ["--config", "conf/meshd.yaml"]
