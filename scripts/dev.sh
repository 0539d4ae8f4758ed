#!/usr/bin/env bash
# `npm run dev`: the whole service on embedded defaults, zero configuration:
#   Temporal dev server (Web UI on :8233) + worker + API on :9000 + embedded Backbone Registry (SQLite),
#   plus a local Kubernetes API server to deploy into (DEV_CLUSTER=0 to skip it).
# State lives in .run/dev (Temporal history, registry, payload key) and survives restarts. Ctrl-C stops all.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/lib.sh"
cd "$root"

ensure_node_modules "$root"
# the service needs only these two; the local cluster (a long first build) joins in the background
"$root/scripts/toolchain.sh" temporal helm
eval "$("$root/scripts/toolchain.sh" --print-env)"

state="$root/.run/dev"
mkdir -p "$state"
pids=()
cleanup() {
  trap - EXIT INT TERM
  echo "[dev] stopping" >&2
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [[ -n "${cluster_job:-}" ]] && kill -TERM "$cluster_job" 2>/dev/null || true
  "$root/scripts/cluster.sh" stop "$state/cluster" >/dev/null 2>&1 || true
  "$root/scripts/temporal-dev.sh" stop "$state/temporal" >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM

# Temporal history is encrypted with this key; it is kept with the history so a restart can still read it.
if [[ -z "${PAYLOAD_KEYS:-}" ]]; then
  if [[ ! -s "$state/payload-key" ]]; then
    (umask 077; echo "dev-$(date +%Y%m%d%H%M%S):$(head -c 32 /dev/urandom | base64)" >"$state/payload-key")
    echo "[dev] PAYLOAD_KEYS not set: generated a development payload key in $state/payload-key (not for production)" >&2
  else
    echo "[dev] PAYLOAD_KEYS not set: using the development key in $state/payload-key" >&2
  fi
  PAYLOAD_KEYS="$(cat "$state/payload-key")"
fi
export PAYLOAD_KEYS

temporal_port="${TEMPORAL_PORT:-7233}"
ui_port="${TEMPORAL_UI_PORT:-8233}"
export PORT="${PORT:-9000}"
# the Web UI asks the API's codec endpoint to decode the encrypted payloads it shows
"$root/scripts/temporal-dev.sh" start "$state/temporal" --port "$temporal_port" --ui-port "$ui_port" --db "$state/temporal.db" \
  --ui-codec-endpoint "http://127.0.0.1:$PORT/codec"
source "$state/temporal/temporal.env"

# The official nats chart at the pinned version: from its repository when reachable, else the local archive
# scripts/chart.sh checks against the pinned sha256 (NED_CHART_ARCHIVE, or ../shared/charts beside the project).
export HELM_CHART_VERSION="${HELM_CHART_VERSION:-2.14.2}"
if [[ -n "${HELM_CHART:-}" ]]; then
  chart_note="$HELM_CHART (HELM_CHART)"
elif curl -fsS --max-time 5 -o /dev/null "${HELM_CHART_REPO:-https://nats-io.github.io/k8s/helm/charts/}index.yaml" 2>/dev/null; then
  export HELM_CHART=nats
  chart_note="nats/nats $HELM_CHART_VERSION from the official repository"
else
  HELM_CHART="$(NATS_CHART_VERSION="$HELM_CHART_VERSION" "$root/scripts/chart.sh")"
  export HELM_CHART
  chart_note="nats/nats $HELM_CHART_VERSION from the local archive $HELM_CHART (repository not reachable)"
fi

# the cluster comes up in the background: a fresh machine builds kube and kwok first (about 20 min)
if [[ "${DEV_CLUSTER:-1}" != 0 ]]; then
  ( "$root/scripts/toolchain.sh" etcd kube kwok && eval "$("$root/scripts/toolchain.sh" --print-env)" &&
    "$root/scripts/cluster.sh" start "$state/cluster" && echo "[dev] test cluster ready: kubeconfig $state/cluster/kubeconfig.yaml" >&2 ) &
  cluster_job=$!
fi
export HELM_BIN REGISTRY_DB_PATH="${REGISTRY_DB_PATH:-$state/registry.sqlite}"
export TEMPORAL_ADDRESS TEMPORAL_UI_URL LOG_LEVEL="${LOG_LEVEL:-info}"
# the local test cluster listens on loopback, which kubeconfig servers may only name when allow-listed
export KUBE_SERVER_ALLOWLIST="${KUBE_SERVER_ALLOWLIST:-127.0.0.1}"

"$root/node_modules/.bin/tsx" src/main/worker.ts &
pids+=($!)
"$root/node_modules/.bin/tsx" src/main/api.ts &
pids+=($!)
wait_for 90 "the API" curl -fsS "http://127.0.0.1:$PORT/healthz"

cat >&2 <<MSG

[dev] ready
  API               http://127.0.0.1:$PORT   (POST/PUT/DELETE/GET /exchange, /backbones; docs at /docs)
  Metrics           http://127.0.0.1:$PORT/metrics (API), http://127.0.0.1:${METRICS_PORT:-9464}/metrics (worker)
  Temporal Web UI   $TEMPORAL_UI_URL
  Temporal address  $TEMPORAL_ADDRESS
  Chart             $chart_note
$( [[ "${DEV_CLUSTER:-1}" != 0 ]] && echo "  Test cluster      kubeconfig $state/cluster/kubeconfig.yaml (kwok node; joins when built, see the log line)
  Try it            scripts/example.sh post   (then: scripts/example.sh put <system_id>, scripts/example.sh delete <system_id>)")

MSG
# the first process to exit ends the session
wait -n "${pids[@]}"
