# Sourced by scripts/test.sh and scripts/bench.sh: installs what is needed, starts the real servers on loopback
# into a fresh state dir, exports their settings, and stops them on exit.
#   source scripts/services.sh --with-ui|--headless     then: $state, TEMPORAL_ADDRESS, TEST_KUBECONFIG, …
# (always pass one of the two: a sourced script without arguments sees its caller's arguments)
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/lib.sh"
cd "$root"

ensure_node_modules "$root"
"$root/scripts/toolchain.sh" all
eval "$("$root/scripts/toolchain.sh" --print-env)"

state="$(mktemp -d "${TMPDIR:-/tmp}/ned-test.XXXXXX")"
mkdir -p "$state/tmp" "$state/helm"/{cache,config,data}
services_cleanup() {
  local rc=$?
  "$root/scripts/cluster.sh" stop "$state/cluster" >/dev/null 2>&1 || true
  "$root/scripts/temporal-dev.sh" stop "$state/temporal" >/dev/null 2>&1 || true
  "$root/scripts/ferretdb.sh" stop "$state/ferretdb" >/dev/null 2>&1 || true
  if [[ $rc -ne 0 ]]; then
    for f in "$state"/temporal/temporal.log "$state"/cluster/kube-apiserver.log "$state"/cluster/kwok.log "$state"/ferretdb/ferretdb.log; do
      [[ -f "$f" ]] && { echo "--- last lines of $f" >&2; tail -n 20 "$f" >&2; }
    done
  fi
  rm -rf "$state"
  exit $rc
}
trap services_cleanup EXIT INT TERM

temporal_args=(--headless)
[[ "${1:-}" == --with-ui ]] && temporal_args=(--ui-port "$(free_port)")
"$root/scripts/temporal-dev.sh" start "$state/temporal" "${temporal_args[@]}"
source "$state/temporal/temporal.env"
"$root/scripts/cluster.sh" start "$state/cluster"
source "$state/cluster/env"
# a real MongoDB-wire server for the registry's MongoDB store
"$root/scripts/ferretdb.sh" start "$state/ferretdb"
source "$state/ferretdb/env"

# every temp file the suite creates (kubeconfigs included) lands here, so leftovers can be counted
export TMPDIR="$state/tmp"
export HELM_BIN
export HELM_CACHE_HOME="$state/helm/cache" HELM_CONFIG_HOME="$state/helm/config" HELM_DATA_HOME="$state/helm/data"
# the official nats chart, pinned by version and sha256 (scripts/chart.sh)
TEST_CHART="$("$root/scripts/chart.sh")"
export TEST_CHART
export PAYLOAD_KEYS="test-$(date +%s):$(head -c 32 /dev/urandom | base64)"
export LOG_LEVEL="${LOG_LEVEL:-warn}"
# the test cluster listens on loopback, which kubeconfig servers may only name when allow-listed
export KUBE_SERVER_ALLOWLIST=127.0.0.1
