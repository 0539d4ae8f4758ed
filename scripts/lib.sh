# Shared helpers for the project's scripts (sourced, not run).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# wait_for <seconds> <description> <command...>: polls until the command succeeds
wait_for() {
  local timeout="$1" what="$2"; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if (( SECONDS >= deadline )); then echo "timed out after ${timeout}s waiting for $what" >&2; return 1; fi
    sleep 0.5
  done
}

# stop_pidfile <file>: TERM, then KILL after a grace period; silent when already gone
stop_pidfile() {
  local f="$1" pid
  [[ -f "$f" ]] || return 0
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

# ensure_node_modules: installs dependencies when missing or older than the lock file
ensure_node_modules() {
  local root="$1"
  if [[ ! -d "$root/node_modules" || "$root/package-lock.json" -nt "$root/node_modules/.package-lock.json" ]]; then
    echo "[setup] installing npm dependencies (npm ci)" >&2
    (cd "$root" && npm ci --no-audit --no-fund >&2)
  fi
}
