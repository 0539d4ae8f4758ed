#!/usr/bin/env bash
# The whole test suite on the real parts: installs dependencies, obtains the toolchain (cached), starts a
# Temporal dev server, a local Kubernetes API server and a MongoDB-wire server (FerretDB), runs typecheck, lint and every jest tier, stops
# everything and fails if any kubeconfig temp file was left behind.
#   scripts/test.sh [jest args…]      e.g. scripts/test.sh --selectProjects e2e
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/lib.sh"
cd "$root"

ensure_node_modules "$root"
"$root/scripts/toolchain.sh" all
eval "$("$root/scripts/toolchain.sh" --print-env)"

state="$(mktemp -d "${TMPDIR:-/tmp}/ned-test.XXXXXX")"
mkdir -p "$state/tmp" "$state/helm"/{cache,config,data}
cleanup() {
  local rc=$?
  "$root/scripts/cluster.sh" stop "$state/cluster" >/dev/null 2>&1 || true
  "$root/scripts/temporal-dev.sh" stop "$state/temporal" >/dev/null 2>&1 || true
  "$root/scripts/ferretdb.sh" stop "$state/ferretdb" >/dev/null 2>&1 || true
  if [[ $rc -ne 0 ]]; then
    for f in "$state"/temporal/temporal.log "$state"/cluster/kube-apiserver.log "$state"/ferretdb/ferretdb.log; do
      [[ -f "$f" ]] && { echo "--- last lines of $f" >&2; tail -n 20 "$f" >&2; }
    done
  fi
  rm -rf "$state"
  exit $rc
}
trap cleanup EXIT INT TERM

"$root/scripts/temporal-dev.sh" start "$state/temporal" --headless
source "$state/temporal/temporal.env"
"$root/scripts/cluster.sh" start "$state/cluster"
source "$state/cluster/env"
# a real MongoDB-wire server for the registry's MongoDB store
"$root/scripts/ferretdb.sh" start "$state/ferretdb"
source "$state/ferretdb/env"

# every temp file the suite creates (kubeconfigs included) lands here, so leftovers can be counted
export TMPDIR="$state/tmp"
export HELM_BIN="$HELM_BIN"
export HELM_CACHE_HOME="$state/helm/cache" HELM_CONFIG_HOME="$state/helm/config" HELM_DATA_HOME="$state/helm/data"
export TEST_CHART="$root/test/chart/nats"
export PAYLOAD_KEYS="test-$(date +%s):$(head -c 32 /dev/urandom | base64)"
export LOG_LEVEL="${LOG_LEVEL:-warn}"

echo "[test] typecheck" >&2
npx tsc --noEmit -p tsconfig.json
echo "[test] lint" >&2
npx eslint .
echo "[test] jest (unit, workflow, e2e)" >&2
NODE_OPTIONS=--experimental-vm-modules npx jest --ci --json --outputFile="$state/jest.json" "$@"
# one plain closing line that any reader of the log understands
node -e 'const r=require(process.argv[1]); console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`)' "$state/jest.json"

leftover="$(find "$TMPDIR" -name 'ned-kube-*' | wc -l)"
if [[ "$leftover" != 0 ]]; then
  echo "[test] FAIL: $leftover kubeconfig temp dir(s) left behind:" >&2
  find "$TMPDIR" -name 'ned-kube-*' >&2
  exit 1
fi
echo "[test] no kubeconfig temp files left behind" >&2
