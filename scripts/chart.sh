#!/usr/bin/env bash
# Obtains the official nats chart the tests and `npm run dev` deploy, pinned by version and sha256:
#   1. an archive given by NED_CHART_ARCHIVE, or ../shared/charts/nats-<version>.tgz beside the project
#      (machines without internet), else
#   2. `helm pull nats --repo <official repo> --version <version>` (needs HELM_BIN).
# Either way the archive must match the sha256 pinned below, and is cached by version outside the repo.
# Prints the cached archive's path on stdout.
set -euo pipefail

NATS_CHART_VERSION="${NATS_CHART_VERSION:-2.14.2}"
NATS_CHART_REPO="${NATS_CHART_REPO:-https://nats-io.github.io/k8s/helm/charts/}"
# sha256 of the official nats-2.14.2.tgz (as published in the nats-io/k8s chart repository)
declare -A PINNED=([2.14.2]=10820121321637610efeda4b5cebdc533edf2fe0f0a878b4ce19ec48a1cfd8fe)

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${NED_CACHE_DIR:-$HOME/.cache/nats-exchange-deployer}/charts"
out="$cache/nats-$NATS_CHART_VERSION.tgz"
want="${PINNED[$NATS_CHART_VERSION]:-}"
log() { echo "[chart] $*" >&2; }
[[ -n "$want" ]] || { log "no sha256 pinned for nats chart $NATS_CHART_VERSION: add it to scripts/chart.sh"; exit 1; }

sha_ok() { [[ -f "$1" && "$(sha256sum "$1" | cut -d' ' -f1)" == "$want" ]]; }

if ! sha_ok "$out"; then
  mkdir -p "$cache"
  local_archive="${NED_CHART_ARCHIVE:-$root/../shared/charts/nats-$NATS_CHART_VERSION.tgz}"
  if [[ -f "$local_archive" ]]; then
    log "using the local archive $local_archive"
    cp "$local_archive" "$out.tmp"
  else
    log "no local archive; helm pull nats $NATS_CHART_VERSION from $NATS_CHART_REPO"
    tmp="$(mktemp -d)"
    "${HELM_BIN:-helm}" pull nats --repo "$NATS_CHART_REPO" --version "$NATS_CHART_VERSION" --destination "$tmp" >&2
    mv "$tmp/nats-$NATS_CHART_VERSION.tgz" "$out.tmp"
    rm -rf "$tmp"
  fi
  sha_ok "$out.tmp" || { rm -f "$out.tmp"; log "sha256 mismatch for nats-$NATS_CHART_VERSION.tgz (want $want): refusing it"; exit 1; }
  mv "$out.tmp" "$out"
fi
echo "$out"
