# syntax=docker/dockerfile:1
# One image for both processes of the NATS Exchange Deployer:
#   API (default):  node dist/src/main/api.js
#   worker:         node dist/src/main/worker.js   (same image, other command; runs helm)
# Debian slim, not Alpine: the Temporal core-bridge and @swc/core native modules are built for glibc.

ARG NODE_IMAGE=node:20-bookworm-slim
ARG GO_IMAGE=golang:1.26-bookworm
# keep equal to HELM_VERSION in scripts/toolchain.sh (test/unit/deploy checks it)
ARG HELM_VERSION=4.3.1

# ---- helm v4, built from source (no release downloads needed) ----
FROM ${GO_IMAGE} AS helm
ARG HELM_VERSION
ENV GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
# v4 takes its default KubeVersion from client-go; only the version string needs ldflags
RUN go install -trimpath \
      -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=v${HELM_VERSION} -X helm.sh/helm/v4/internal/version.gitTreeState=clean" \
      "helm.sh/helm/v4/cmd/helm@v${HELM_VERSION}" \
 && /go/bin/helm version --short | grep -q "^v${HELM_VERSION}"

# ---- dependencies + TypeScript build ----
FROM ${NODE_IMAGE} AS build
# no install-time analytics (@scarf/scarf, pulled in by swagger-ui-express)
ENV SCARF_ANALYTICS=false
# better-sqlite3 compiles from source when no prebuilt binary can be fetched
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY activities ./activities
COPY workflows ./workflows
# tsconfig rootDir is the repo root: src/main/api.ts -> dist/src/main/api.js, workflows/index.ts -> dist/workflows/index.js
# (the worker bundles dist/workflows with webpack at start; the packages it imports stay in node_modules)
RUN npm run build \
 && test -f dist/src/main/api.js && test -f dist/src/main/worker.js && test -f dist/workflows/index.js \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
# ca-certificates: helm (Go) fetches charts over https; tini: reaps the helm processes the worker spawns
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 ned \
 && useradd --system --uid 10001 --gid ned --home-dir /home/ned --create-home --shell /usr/sbin/nologin ned \
 && mkdir -p /data /home/ned/helm/cache /home/ned/helm/config /home/ned/helm/data \
 && chown -R ned:ned /data /home/ned

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=9000 \
    HOME=/home/ned \
    BASE_VALUES_PATH=/app/values.yaml \
    VALUES_SCHEMA_DIR=/app/chart \
    VALUES_POLICY_PATH=/app/chart/values-policy.yaml \
    HELM_BIN=/usr/local/bin/helm \
    HELM_CACHE_HOME=/home/ned/helm/cache \
    HELM_CONFIG_HOME=/home/ned/helm/config \
    HELM_DATA_HOME=/home/ned/helm/data \
    REGISTRY_DB_PATH=/data/registry.sqlite

WORKDIR /app
# application files stay root-owned: the process can read them, not change them
COPY --from=helm /go/bin/helm /usr/local/bin/helm
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY values.yaml /app/values.yaml
# the chart's values schema and the default values policy (VALUES_SCHEMA_DIR, VALUES_POLICY_PATH)
COPY chart /app/chart

USER ned
VOLUME /data
EXPOSE 9000

# The worker serves no HTTP: docker-compose.yml disables this check for it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 9000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/main/api.js"]
