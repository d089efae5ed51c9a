# Portcullis images (README "Container image"), one multi-stage build on Node 24 LTS:
#   docker build -t portcullis .                       the production image (last stage, `runtime`)
#   docker build --target examples -t portcullis-examples .
#                                                      the development IdP and demo app the compose
#                                                      file runs (devDependencies: oidc-provider)
# The production image holds the runtime rooms of dist/ (every top-level folder with an
# index.ts: cli, authz, authn, databroker, envoy, config, errors, wire, mcp, tracing,
# forward-auth, acme, protos), protos/vendor/ and production dependencies only: no tests, bench,
# examples or devDependencies (test/unit/packaging/dockerfile.test.ts checks this file). It runs
# as the unprivileged `node` user (uid 1000), writes nothing to its root filesystem (run it with
# --read-only; mount a tmpfs on /tmp when `start` runs Envoy), and reports readiness through
# HEALTHCHECK (dist/cli/healthcheck.js reads PORTCULLIS_HEALTHCHECK_URL).
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: every dependency, tsc --------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `npm ci` can exit 0 after failing every download (seen behind a TLS-intercepting proxy):
# `npm ls` fails on any missing package, and the compiler must be there.
RUN npm ci --no-audit --no-fund --loglevel=error \
  && npm ls --all >/dev/null \
  && test -x node_modules/.bin/tsc
COPY tsconfig.json ./
COPY authn authn
COPY authz authz
COPY bench bench
COPY cli cli
COPY config config
COPY databroker databroker
COPY wire wire
COPY mcp mcp
COPY acme acme
COPY envoy envoy
COPY tracing tracing
COPY examples examples
COPY protos protos
COPY scripts scripts
COPY test test
RUN npm run build

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
FROM ${NODE_IMAGE} AS examples
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/protos/vendor protos/vendor
COPY --from=build /app/dist dist
COPY --from=build /app/examples examples
USER node
ENTRYPOINT ["node", "/app/dist/cli/main.js"]

# ---- runtime: the production image ------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# Set by the release build: --build-arg VERSION=… --build-arg REVISION=$(git rev-parse HEAD)
# --build-arg SOURCE=<repository URL>.
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=
LABEL org.opencontainers.image.title="Portcullis" \
  org.opencontainers.image.description="Identity-aware access proxy for Envoy: ext_authz policy server, OIDC sign-in, databroker and Envoy config generator (Pomerium-compatible)." \
  org.opencontainers.image.version="${VERSION}" \
  org.opencontainers.image.licenses="Apache-2.0" \
  org.opencontainers.image.revision="${REVISION}" \
  org.opencontainers.image.source="${SOURCE}" \
  org.opencontainers.image.base.name="docker.io/library/node:24-bookworm-slim"
ENV NODE_ENV=production
# Fewer young-generation GC pauses for authz (README: Production tuning).
ENV NODE_OPTIONS=--max-semi-space-size=64
ENV PORTCULLIS_HEALTHCHECK_URL=http://127.0.0.1:9902/metrics
WORKDIR /app
# Owned by root and read-only to the `node` user: nothing in /app is written at run time.
COPY package.json package-lock.json ./
COPY --from=prod-deps /app/node_modules node_modules
COPY --from=build /app/protos/vendor protos/vendor
COPY --from=build /app/dist/authn dist/authn
COPY --from=build /app/dist/authz dist/authz
COPY --from=build /app/dist/cli dist/cli
COPY --from=build /app/dist/config dist/config
COPY --from=build /app/dist/databroker dist/databroker
COPY --from=build /app/dist/envoy dist/envoy
COPY --from=build /app/dist/protos dist/protos
COPY --from=build /app/dist/wire dist/wire
COPY --from=build /app/dist/tracing dist/tracing
COPY --from=build /app/dist/mcp dist/mcp
COPY --from=build /app/dist/errors dist/errors
COPY --from=build /app/dist/forward-auth dist/forward-auth
COPY --from=build /app/dist/acme dist/acme
USER node
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/app/dist/cli/healthcheck.js"]
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["start", "-c", "/etc/portcullis/config.yaml"]
