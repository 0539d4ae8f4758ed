#!/usr/bin/env bash
# Local Kubernetes API server for tests: etcd + kube-apiserver on 127.0.0.1 (no kubelet, no controllers),
# run the way controller-runtime's envtest runs them.
#
# Usage:
#   scripts/cluster.sh start <state-dir>   # needs NED_ETCD_BIN and NED_KUBE_APISERVER_BIN
#                                          # (see `scripts/toolchain.sh --print-env`)
#   scripts/cluster.sh stop <state-dir>
#
# start writes into <state-dir>:
#   kubeconfig.yaml   cluster/user/context "ned-test": server https://127.0.0.1:<port>, CA data, bearer token
#   env               export TEST_KUBECONFIG=... / TEST_KUBE_SERVER=... / TEST_KUBE_CONTEXT=...
#   etcd.pid, kube-apiserver.pid, etcd.log, kube-apiserver.log, pki/, etcd-data/
# Env: NED_CLUSTER_START_TIMEOUT (seconds to wait for /readyz, default 90).
set -euo pipefail

CONTEXT_NAME="ned-test"
START_TIMEOUT="${NED_CLUSTER_START_TIMEOUT:-90}"
STATE_DIR=""
STARTED=0 # set while start has launched processes that must be cleaned up on failure

log() { echo "[cluster] $*" >&2; }
die() { log "error: $*"; exit 1; }

usage() { echo "usage: $0 start|stop <state-dir>" >&2; exit 2; }

# pid_alive <pidfile> <name>: true when the pid in the file runs a process whose command line names <name>
# (guards against pid reuse after a crash).
pid_alive() {
  local file="$1" name="$2" pid
  [[ -f "$file" ]] || return 1
  pid="$(cat "$file" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$name"
}

# stop_one <pidfile> <name>: TERM, wait up to ~5 s, then KILL. Never fails.
stop_one() {
  local file="$1" name="$2" pid i
  if pid_alive "$file" "$name"; then
    pid="$(cat "$file")"
    log "stopping $name (pid $pid)"
    # started under setsid: signal the whole process group when the pid leads one
    local target="$pid"
    [[ "$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')" == "$pid" ]] && target="-$pid"
    kill -TERM -- "$target" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name did not exit after TERM; sending KILL"
      kill -KILL -- "$target" 2>/dev/null || true
      for ((i = 0; i < 20; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
    fi
  fi
  rm -f "$file"
}

cmd_stop() {
  local dir="$1"
  [[ -d "$dir" ]] || return 0
  stop_one "$dir/kube-apiserver.pid" kube-apiserver
  stop_one "$dir/etcd.pid" etcd
  rm -rf "$dir/etcd-data"
}

# Prints three distinct free loopback TCP ports (all bound at once so they differ).
free_ports() {
  python3 -c 'import socket
ss=[socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1",0))
print(" ".join(str(s.getsockname()[1]) for s in ss))
for s in ss: s.close()'
}

gen_pki() { # <pki-dir> <cert-dir>
  local pki="$1" certdir="$2"
  mkdir -p "$pki" "$certdir"
  # CA + serving certificate whose SANs cover 127.0.0.1 (clients verify against ca.crt)
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
    -subj "/CN=ned-test-ca" -keyout "$pki/ca.key" -out "$pki/ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=kube-apiserver" \
    -keyout "$certdir/apiserver.key" -out "$pki/apiserver.csr" 2>/dev/null
  printf '%s\n' \
    "basicConstraints=CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth" \
    "subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" \
    >"$pki/apiserver.ext"
  openssl x509 -req -in "$pki/apiserver.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 3650 -sha256 -extfile "$pki/apiserver.ext" -out "$certdir/apiserver.crt" 2>/dev/null
  # service-account token signing key
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  chmod 600 "$pki"/*.key "$certdir/apiserver.key"
}

cmd_start() {
  local dir="$1"
  [[ -n "${NED_ETCD_BIN:-}" && -x "${NED_ETCD_BIN}" ]] ||
    die "NED_ETCD_BIN is not set or not executable (eval \"\$(scripts/toolchain.sh --print-env)\")"
  [[ -n "${NED_KUBE_APISERVER_BIN:-}" && -x "${NED_KUBE_APISERVER_BIN}" ]] ||
    die "NED_KUBE_APISERVER_BIN is not set or not executable (eval \"\$(scripts/toolchain.sh --print-env)\")"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"

  if pid_alive "$dir/etcd.pid" etcd || pid_alive "$dir/kube-apiserver.pid" kube-apiserver; then
    die "a cluster is already running from $dir (pids: $(cat "$dir"/*.pid 2>/dev/null | tr '\n' ' ')); run: $0 stop $dir"
  fi
  # stale state from a crashed run
  rm -f "$dir/etcd.pid" "$dir/kube-apiserver.pid"
  rm -rf "$dir/etcd-data" "$dir/pki" "$dir/certs"

  # on any failure after this point, stop whatever was started
  STATE_DIR="$dir"
  trap 'rc=$?; if [[ $rc -ne 0 && $STARTED -eq 1 ]]; then cmd_stop "$STATE_DIR"; fi' EXIT

  local etcd_client etcd_peer api_port
  read -r etcd_client etcd_peer api_port < <(free_ports)
  local server="https://127.0.0.1:$api_port"

  gen_pki "$dir/pki" "$dir/certs"
  local token
  token="$(openssl rand -hex 32)"
  printf '%s,ned-admin,ned-admin-uid,"system:masters"\n' "$token" >"$dir/pki/tokens.csv"
  chmod 600 "$dir/pki/tokens.csv"

  STARTED=1
  log "starting etcd on 127.0.0.1:$etcd_client"
  mkdir -p "$dir/etcd-data"
  setsid "$NED_ETCD_BIN" \
    --name ned-test \
    --data-dir "$dir/etcd-data" \
    --listen-client-urls "http://127.0.0.1:$etcd_client" \
    --advertise-client-urls "http://127.0.0.1:$etcd_client" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-cluster "ned-test=http://127.0.0.1:$etcd_peer" \
    --unsafe-no-fsync \
    </dev/null >"$dir/etcd.log" 2>&1 &
  echo $! >"$dir/etcd.pid"

  local i
  for ((i = 0; i < 100; i++)); do
    curl -fsS "http://127.0.0.1:$etcd_client/health" 2>/dev/null | grep -q '"health":"true"' && break
    pid_alive "$dir/etcd.pid" etcd || { tail -n 30 "$dir/etcd.log" >&2; die "etcd exited"; }
    sleep 0.2
  done
  ((i < 100)) || { tail -n 30 "$dir/etcd.log" >&2; die "etcd not healthy after 20 s"; }

  log "starting kube-apiserver on $server"
  setsid "$NED_KUBE_APISERVER_BIN" \
    --etcd-servers "http://127.0.0.1:$etcd_client" \
    --bind-address 127.0.0.1 \
    --secure-port "$api_port" \
    --cert-dir "$dir/certs" \
    --service-account-issuer "$server" \
    --service-account-key-file "$dir/pki/sa.key" \
    --service-account-signing-key-file "$dir/pki/sa.key" \
    --service-cluster-ip-range 10.0.0.0/24 \
    --authorization-mode RBAC \
    --token-auth-file "$dir/pki/tokens.csv" \
    --disable-admission-plugins ServiceAccount \
    --allow-privileged=true \
    </dev/null >"$dir/kube-apiserver.log" 2>&1 &
  echo $! >"$dir/kube-apiserver.pid"

  local t0=$SECONDS out=""
  while true; do
    out="$(curl -sS --max-time 5 --cacert "$dir/pki/ca.crt" -H "Authorization: Bearer $token" "$server/readyz" 2>/dev/null || true)"
    [[ "$out" == "ok" ]] && break
    if ! pid_alive "$dir/kube-apiserver.pid" kube-apiserver; then
      tail -n 40 "$dir/kube-apiserver.log" >&2
      die "kube-apiserver exited"
    fi
    if ((SECONDS - t0 >= START_TIMEOUT)); then
      tail -n 40 "$dir/kube-apiserver.log" >&2
      die "kube-apiserver not ready after ${START_TIMEOUT}s (last /readyz: ${out:-no answer})"
    fi
    sleep 0.5
  done

  local ca_data
  ca_data="$(base64 -w0 <"$dir/pki/ca.crt")"
  cat >"$dir/kubeconfig.yaml" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: $CONTEXT_NAME
    cluster:
      server: $server
      certificate-authority-data: $ca_data
users:
  - name: $CONTEXT_NAME-admin
    user:
      token: $token
contexts:
  - name: $CONTEXT_NAME
    context:
      cluster: $CONTEXT_NAME
      user: $CONTEXT_NAME-admin
current-context: $CONTEXT_NAME
preferences: {}
EOF
  chmod 600 "$dir/kubeconfig.yaml"
  cat >"$dir/env" <<EOF
export TEST_KUBECONFIG='$dir/kubeconfig.yaml'
export TEST_KUBE_SERVER='$server'
export TEST_KUBE_CONTEXT='$CONTEXT_NAME'
EOF
  log "ready after $((SECONDS - t0))s: $server (kubeconfig $dir/kubeconfig.yaml)"
  STARTED=0
}

[[ $# -eq 2 ]] || usage
case "$1" in
  start) cmd_start "$2" ;;
  stop) cmd_stop "$2" ;;
  *) usage ;;
esac
