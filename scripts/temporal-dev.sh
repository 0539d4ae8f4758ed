#!/usr/bin/env bash
# Starts/stops a Temporal dev server (the temporal CLI) on loopback.
#   scripts/temporal-dev.sh start <state-dir> [--port N] [--ui-port N|--headless] [--db FILE] [--ui-codec-endpoint URL]
#   scripts/temporal-dev.sh stop <state-dir>
# start writes <state-dir>/temporal.env with TEMPORAL_ADDRESS (and TEMPORAL_UI_URL when the UI runs).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/lib.sh"
cmd="${1:?start|stop}"; state="${2:?state dir}"; shift 2
mkdir -p "$state"; state="$(cd "$state" && pwd)"

case "$cmd" in
  start)
    port=""; ui_port=""; headless=0; db=""; codec=""
    while [[ $# -gt 0 ]]; do
      case "$1" in
        --port) port="$2"; shift 2 ;;
        --ui-port) ui_port="$2"; shift 2 ;;
        --headless) headless=1; shift ;;
        --db) db="$2"; shift 2 ;;
        --ui-codec-endpoint) codec="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
      esac
    done
    if [[ -f "$state/temporal.pid" ]] && kill -0 "$(cat "$state/temporal.pid")" 2>/dev/null; then
      echo "temporal dev server already running (pid $(cat "$state/temporal.pid"))" >&2; exit 1
    fi
    bin="${NED_TEMPORAL_BIN:-}"
    [[ -n "$bin" ]] || { "$here/toolchain.sh" temporal; eval "$("$here/toolchain.sh" --print-env)"; bin="$NED_TEMPORAL_BIN"; }
    port="${port:-$(free_port)}"
    args=(server start-dev --ip 127.0.0.1 --port "$port" --log-level warn --namespace default)
    # search attributes the workflows upsert (Web UI filters)
    for sa in ExchangeId=Keyword ReleaseName=Keyword ClusterId=Keyword OrgIds=KeywordList Operation=Keyword ExchangeStatus=Keyword; do
      args+=(--search-attribute "$sa")
    done
    if [[ $headless == 1 ]]; then args+=(--headless); else
      ui_port="${ui_port:-$((port + 1000))}"; args+=(--ui-port "$ui_port" --ui-ip 127.0.0.1)
      [[ -n "$codec" ]] && args+=(--ui-codec-endpoint "$codec")
    fi
    [[ -n "$db" ]] && args+=(--db-filename "$db")
    nohup "$bin" "${args[@]}" >"$state/temporal.log" 2>&1 &
    echo $! >"$state/temporal.pid"
    if ! wait_for 60 "temporal dev server" "$bin" operator cluster health --address "127.0.0.1:$port"; then
      tail -n 30 "$state/temporal.log" >&2; exit 1
    fi
    {
      echo "export TEMPORAL_ADDRESS=127.0.0.1:$port"
      [[ $headless == 1 ]] || echo "export TEMPORAL_UI_URL=http://127.0.0.1:$ui_port"
    } >"$state/temporal.env"
    echo "temporal dev server on 127.0.0.1:$port$([[ $headless == 1 ]] || echo ", Web UI http://127.0.0.1:$ui_port")" >&2
    ;;
  stop)
    stop_pidfile "$state/temporal.pid"
    ;;
  *) echo "usage: $0 start|stop <state-dir>" >&2; exit 2 ;;
esac
