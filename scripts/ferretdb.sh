#!/usr/bin/env bash
# Starts/stops FerretDB (MongoDB 7.0 wire protocol) with its embedded SQLite backend on loopback, for tests
# of the MongoDB registry store.
#   scripts/ferretdb.sh start <state-dir> [--port N]
#   scripts/ferretdb.sh stop <state-dir>
# start writes into <state-dir>: env (export TEST_MONGODB_URI=mongodb://127.0.0.1:<port>/), ferretdb.pid,
# ferretdb.log, data/ (the SQLite files, one per database) and state.json (FerretDB's own state).
# Uses NED_FERRETDB_BIN, or obtains the binary through scripts/toolchain.sh.
# Env: NED_FERRETDB_START_TIMEOUT (seconds, default 30), NED_FERRETDB_LOG_LEVEL (default warn).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/lib.sh"
cmd="${1:?start|stop}"; state="${2:?state dir}"; shift 2
mkdir -p "$state"; state="$(cd "$state" && pwd)"
pidfile="$state/ferretdb.pid"

# true when the pid file names a live process that is FerretDB (guards against pid reuse)
running() {
  local pid
  [[ -f "$pidfile" ]] || return 1
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q ferretdb
}

# mongo_ping <port>: {ping: 1} through the project's own MongoDB driver; succeeds when the server answers ok
mongo_ping() {
  (cd "$here/.." && node --input-type=module -e "
    import { MongoClient } from 'mongodb';
    const c = new MongoClient('mongodb://127.0.0.1:$1/', { serverSelectionTimeoutMS: 2000, connectTimeoutMS: 2000 });
    try { const r = await c.db('admin').command({ ping: 1 }); process.exitCode = r.ok === 1 ? 0 : 1; }
    catch { process.exitCode = 1; } finally { await c.close(); }")
}

case "$cmd" in
  start)
    port=""
    while [[ $# -gt 0 ]]; do
      case "$1" in
        --port) port="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
      esac
    done
    if running; then echo "ferretdb already running (pid $(cat "$pidfile"))" >&2; exit 1; fi
    bin="${NED_FERRETDB_BIN:-}"
    [[ -n "$bin" ]] || { "$here/toolchain.sh" ferretdb; eval "$("$here/toolchain.sh" --print-env)"; bin="$NED_FERRETDB_BIN"; }
    port="${port:-$(free_port)}"
    mkdir -p "$state/data"
    # --debug-addr=- : no metrics/pprof HTTP listener (its fixed default port would clash between instances);
    # --state-dir keeps state.json here instead of the working directory; telemetry off twice over.
    DO_NOT_TRACK=1 nohup "$bin" \
      --handler=sqlite --sqlite-url="file:$state/data/" \
      --listen-addr="127.0.0.1:$port" --debug-addr=- \
      --state-dir="$state" --telemetry=disable \
      --log-level="${NED_FERRETDB_LOG_LEVEL:-warn}" --log-format=text \
      >"$state/ferretdb.log" 2>&1 </dev/null &
    echo $! >"$pidfile"
    if ! wait_for "${NED_FERRETDB_START_TIMEOUT:-30}" "ferretdb on 127.0.0.1:$port" mongo_ping "$port"; then
      tail -n 30 "$state/ferretdb.log" >&2
      stop_pidfile "$pidfile"
      exit 1
    fi
    echo "export TEST_MONGODB_URI=mongodb://127.0.0.1:$port/" >"$state/env"
    echo "ferretdb on 127.0.0.1:$port (data in $state/data)" >&2
    ;;
  stop)
    if running; then stop_pidfile "$pidfile"; else rm -f "$pidfile"; fi
    ;;
  *) echo "usage: $0 start|stop <state-dir>" >&2; exit 2 ;;
esac
