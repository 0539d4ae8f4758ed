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
targets=(temporal helm)
[[ "${DEV_CLUSTER:-1}" != 0 ]] && targets+=(etcd kube-apiserver)
"$root/scripts/toolchain.sh" "${targets[@]}"
eval "$("$root/scripts/toolchain.sh" --print-env)"

state="$root/.run/dev"
mkdir -p "$state"
pids=()
cleanup() {
  trap - EXIT INT TERM
  echo "[dev] stopping" >&2
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
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

if [[ "${DEV_CLUSTER:-1}" != 0 ]]; then
  "$root/scripts/cluster.sh" start "$state/cluster"
fi

# Offline machines cannot reach the official chart repository: unless HELM_CHART is given, deploy the
# project's test chart (same value keys as nats/nats).
if [[ -z "${HELM_CHART:-}" ]]; then
  export HELM_CHART="$root/test/chart/nats"
  echo "[dev] HELM_CHART not set: deploying the local test chart $HELM_CHART (set HELM_CHART=nats for the official chart)" >&2
fi
export HELM_BIN REGISTRY_DB_PATH="${REGISTRY_DB_PATH:-$state/registry.sqlite}"
export TEMPORAL_ADDRESS TEMPORAL_UI_URL LOG_LEVEL="${LOG_LEVEL:-info}"

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
$( [[ "${DEV_CLUSTER:-1}" != 0 ]] && echo "  Test cluster      kubeconfig $state/cluster/kubeconfig.yaml
  Try it            scripts/example.sh post   (then: scripts/example.sh put <system_id>, scripts/example.sh delete <system_id>)")

MSG
# the first process to exit ends the session
wait -n "${pids[@]}"
