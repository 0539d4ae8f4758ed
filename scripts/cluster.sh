#!/usr/bin/env bash
# Local Kubernetes cluster for tests and `npm run dev`, on 127.0.0.1 only: etcd + kube-apiserver (run the way
# controller-runtime's envtest runs them) + kube-controller-manager + kube-scheduler, and kwok simulating one
# node: StatefulSets get pods, pods are scheduled onto the fake node and reported Running and Ready, PVCs are
# bound, deleted namespaces go away. No container ever runs.
#
# Usage:
#   scripts/cluster.sh start <state-dir>   # needs the NED_*_BIN variables `scripts/toolchain.sh --print-env` prints
#   scripts/cluster.sh stop <state-dir>
#
# start writes into <state-dir>:
#   kubeconfig.yaml   cluster/user/context "ned-test": server https://127.0.0.1:<port>, CA data, bearer token
#   env               export TEST_KUBECONFIG=... / TEST_KUBE_SERVER=... / TEST_KUBE_CONTEXT=...
#   <component>.pid and <component>.log for each process, pki/, etcd-data/
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
  local c
  for c in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do stop_one "$dir/$c.pid" "$c"; done
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

# launch <dir> <name> <binary> args…: runs it in its own session (so stop can signal the group), logs to <name>.log
launch() {
  local dir="$1" name="$2"; shift 2
  setsid "$@" </dev/null >"$dir/$name.log" 2>&1 &
  echo $! >"$dir/$name.pid"
}

# kube <method> <path> [body-file]: the API server as the admin, YAML or JSON bodies
kube() {
  curl -fsS --max-time 10 --cacert "$KUBE_DIR/pki/ca.crt" -H "Authorization: Bearer $KUBE_TOKEN" \
    -H 'Content-Type: application/yaml' -X "$1" "$KUBE_SERVER$2" ${3:+--data-binary "@$3"}
}

# The simulated part: controllers, scheduler, kwok with its stages, one fake node and kwok's default
# StorageClass (binding mode Immediate), then waits until the node is Ready.
start_simulation() {
  local dir="$1" kc="$1/kubeconfig.yaml"
  KUBE_DIR="$dir"
  launch "$dir" kube-controller-manager "$NED_KUBE_CONTROLLER_MANAGER_BIN" --kubeconfig "$kc" \
    --authentication-kubeconfig "$kc" --authorization-kubeconfig "$kc" \
    --service-account-private-key-file "$dir/pki/sa.key" --root-ca-file "$dir/pki/ca.crt" \
    --use-service-account-credentials=false --controllers '*,-serviceaccount-token' --leader-elect=false \
    --bind-address 127.0.0.1 --secure-port 0
  launch "$dir" kube-scheduler "$NED_KUBE_SCHEDULER_BIN" --kubeconfig "$kc" --authentication-kubeconfig "$kc" \
    --authorization-kubeconfig "$kc" --leader-elect=false --bind-address 127.0.0.1 --secure-port 0
  launch "$dir" kwok "$NED_KWOK_BIN" --kubeconfig "$kc" --config "$NED_KWOK_STAGES" --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake --cidr=10.0.0.1/24 --node-ip=10.0.0.1 \
    --server-address=127.0.0.1:0
  kube POST /apis/storage.k8s.io/v1/storageclasses "$NED_KWOK_STORAGECLASS" >/dev/null
  printf '%s\n' 'apiVersion: v1' 'kind: Node' 'metadata:' '  name: kwok-node-0' \
    '  annotations: { kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0" }' \
    '  labels: { kubernetes.io/hostname: kwok-node-0, kubernetes.io/os: linux, type: kwok }' \
    'status:' '  allocatable: { cpu: "64", memory: 256Gi, pods: "250" }' \
    '  capacity: { cpu: "64", memory: 256Gi, pods: "250" }' >"$dir/node.yaml"
  kube POST /api/v1/nodes "$dir/node.yaml" >/dev/null
  local i c
  for ((i = 0; i < 120; i++)); do
    kube GET /api/v1/nodes/kwok-node-0 2>/dev/null | tr -d ' \n' | grep -q '"type":"Ready","status":"True"' && break
    for c in kube-controller-manager kube-scheduler kwok; do
      pid_alive "$dir/$c.pid" "$c" || { tail -n 30 "$dir/$c.log" >&2; die "$c exited"; }
    done
    sleep 0.5
  done
  ((i < 120)) || { tail -n 20 "$dir/kwok.log" >&2; die "the kwok node did not become Ready in 60 s"; }
}

cmd_start() {
  local dir="$1"
  local v
  for v in NED_ETCD_BIN NED_KUBE_APISERVER_BIN NED_KUBE_CONTROLLER_MANAGER_BIN NED_KUBE_SCHEDULER_BIN NED_KWOK_BIN; do
    [[ -n "${!v:-}" && -x "${!v}" ]] || die "$v is not set or not executable (eval \"\$(scripts/toolchain.sh --print-env)\")"
  done
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"

  if pid_alive "$dir/etcd.pid" etcd || pid_alive "$dir/kube-apiserver.pid" kube-apiserver; then
    die "a cluster is already running from $dir (pids: $(cat "$dir"/*.pid 2>/dev/null | tr '\n' ' ')); run: $0 stop $dir"
  fi
  # stale state from a crashed run
  rm -f "$dir"/*.pid
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
  launch "$dir" etcd "$NED_ETCD_BIN" \
    --name ned-test \
    --data-dir "$dir/etcd-data" \
    --listen-client-urls "http://127.0.0.1:$etcd_client" \
    --advertise-client-urls "http://127.0.0.1:$etcd_client" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-cluster "ned-test=http://127.0.0.1:$etcd_peer" \
    --unsafe-no-fsync

  local i
  for ((i = 0; i < 100; i++)); do
    curl -fsS "http://127.0.0.1:$etcd_client/health" 2>/dev/null | grep -q '"health":"true"' && break
    pid_alive "$dir/etcd.pid" etcd || { tail -n 30 "$dir/etcd.log" >&2; die "etcd exited"; }
    sleep 0.2
  done
  ((i < 100)) || { tail -n 30 "$dir/etcd.log" >&2; die "etcd not healthy after 20 s"; }

  log "starting kube-apiserver on $server"
  launch "$dir" kube-apiserver "$NED_KUBE_APISERVER_BIN" \
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
    --allow-privileged=true

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
  KUBE_SERVER="$server" KUBE_TOKEN="$token"
  start_simulation "$dir"
  log "ready after $((SECONDS - t0))s: $server with one kwok node (kubeconfig $dir/kubeconfig.yaml)"
  STARTED=0
}

[[ $# -eq 2 ]] || usage
case "$1" in
  start) cmd_start "$2" ;;
  stop) cmd_stop "$2" ;;
  *) usage ;;
esac
