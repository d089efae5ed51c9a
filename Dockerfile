# Portcullis images (README "Container image"), one multi-stage build on Node 24 LTS:
#   docker build -t portcullis .                       the production image (last stage, `runtime`)
#   docker build --target examples -t portcullis-examples .
#                                                      the development IdP and demo app the compose
#                                                      file runs (devDependencies: oidc-provider)
# The production image holds the runtime rooms of dist/ (every top-level folder with an
# index.ts: acme, authn, authz, cli, config, databroker, envoy, errors, forward-auth, mcp,
# protos, tracing, wire), protos/vendor/ and production dependencies only: no tests, bench,
# examples or devDependencies (test/unit/packaging/dockerfile.test.ts checks this file;
# test/e2e/compose.test.ts checks the built image). It runs
# as the unprivileged `node` user (uid 1000), writes nothing to its root filesystem (run it with
# --read-only; mount a tmpfs on /tmp when `start` runs Envoy), and reports readiness through
# HEALTHCHECK (dist/cli/healthcheck.js reads PORTCULLIS_HEALTHCHECK_URL).
ARG NODE_IMAGE=node:24-bookworm-slim

# Few instructions on purpose: on the vfs storage driver (CI's engine, scripts/setup/docker) the
# classic builder copies the whole filesystem for every instruction, ENV and LABEL included.

# ---- build: every dependency, tsc; /out holds what the production image ships ----------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `npm ci` can exit 0 after failing every download (seen behind a TLS-intercepting proxy):
# `npm ls` fails on any missing package, and the compiler must be there.
RUN npm ci --no-audit --no-fund --loglevel=error \
  && npm ls --all >/dev/null \
  && test -x node_modules/.bin/tsc
# The whole tree but what .dockerignore leaves out (node_modules, dist, .git, .cache, …).
COPY . .
# The runtime rooms of dist/ (test/helpers/runtime-rooms.ts) and the vendored protos.
RUN npm run build \
  && mkdir -p /out/dist \
  && cp -r dist/acme dist/authn dist/authz dist/cli dist/config dist/databroker dist/envoy dist/errors dist/forward-auth dist/mcp dist/protos dist/tracing dist/wire /out/dist/ \
  && cp -r --parents protos/vendor /out/ \
  && test -f /out/dist/cli/portcullis.mjs && test -f /out/dist/cli/portcullis-main.mjs

# ---- prod-deps: production dependencies only -------------------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error \
  && npm ls --omit=dev --all >/dev/null \
  && test -f node_modules/@grpc/grpc-js/package.json \
  && test ! -e node_modules/typescript \
  && test ! -e node_modules/@grpc/grpc-js-xds

# ---- examples: the compose file's development IdP and demo app (DEVELOPMENT ONLY) ---------------
# The build stage as it is (sources, dist/, every dependency: oidc-provider is a devDependency).
FROM build AS examples
USER node
ENTRYPOINT ["node", "/app/dist/cli/portcullis.mjs"]

# ---- runtime: the production image ------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# Set by the release build: --build-arg VERSION=… --build-arg REVISION=$(git rev-parse HEAD)
# --build-arg SOURCE=<repository URL>.
ARG VERSION=0.1.0 REVISION=unknown SOURCE=
LABEL org.opencontainers.image.title="Portcullis" \
  org.opencontainers.image.description="Identity-aware access proxy for Envoy: ext_authz policy server, OIDC sign-in, databroker and Envoy config generator (Pomerium-compatible)." \
  org.opencontainers.image.version="${VERSION}" \
  org.opencontainers.image.licenses="Apache-2.0" \
  org.opencontainers.image.revision="${REVISION}" \
  org.opencontainers.image.source="${SOURCE}" \
  org.opencontainers.image.base.name="docker.io/library/node:24-bookworm-slim"
# NODE_OPTIONS and MALLOC_ARENA_MAX: the Node process's memory under load (README: Production
# tuning; docs/performance.md "Memory"): an 8 MB semi-space, and two malloc arenas instead of
# one per thread that allocates.
ENV NODE_ENV=production \
  NODE_OPTIONS=--max-semi-space-size=8 \
  MALLOC_ARENA_MAX=2 \
  PORTCULLIS_HEALTHCHECK_URL=http://127.0.0.1:9902/metrics
WORKDIR /app
# Owned by root and read-only to the `node` user: nothing in /app is written at run time.
# package.json, package-lock.json and the production node_modules:
COPY --from=prod-deps /app/ ./
# dist/<runtime rooms>/ and protos/vendor/:
COPY --from=build /out/ ./
USER node
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/app/dist/cli/healthcheck.js"]
ENTRYPOINT ["node", "/app/dist/cli/portcullis.mjs"]
CMD ["start", "-c", "/etc/portcullis/config.yaml"]
