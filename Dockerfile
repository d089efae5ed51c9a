# Portcullis image: the `portcullis` CLI (dist/cli/main.js) plus the examples the compose file
# runs from the same image (development IdP, demo app). Envoy runs from the official image.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.json ./
COPY authn authn
COPY authz authz
COPY bench bench
COPY cli cli
COPY config config
COPY databroker databroker
COPY wire wire
COPY envoy envoy
COPY examples examples
COPY protos protos
COPY scripts scripts
COPY test test
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production
# Fewer young-generation GC pauses for authz (README: Production tuning).
ENV NODE_OPTIONS=--max-semi-space-size=64
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
# devDependencies stay: the development IdP (oidc-provider) runs from this image in the compose file.
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY --from=build /app/examples examples
USER node
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["start", "-c", "/etc/portcullis/config.yaml"]
