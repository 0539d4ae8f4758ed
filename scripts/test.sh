#!/usr/bin/env bash
# The whole test suite on the real parts: installs dependencies, obtains the toolchain (cached), starts a
# Temporal dev server, a local Kubernetes API server and a MongoDB-wire server (FerretDB), runs typecheck, lint and every jest tier, stops
# everything and fails if any kubeconfig temp file was left behind.
#   scripts/test.sh [jest args…]      e.g. scripts/test.sh --selectProjects e2e
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/services.sh" --with-ui

echo "[test] typecheck" >&2
npx tsc --noEmit -p tsconfig.json
echo "[test] lint" >&2
npx eslint .
echo "[test] build (dist/, as the container runs it)" >&2
npm run build --silent
# headless Debian Chromium for the Web UI test (installed once)
"$root/scripts/browser.sh"
# the fault cases (test/faults) append their rows here; the table is printed after jest, also when it failed
export FAULTS_REPORT="$state/faults.jsonl"
jest_rc=0
run_jest() { # <name> jest args…
  local name="$1"; shift
  NODE_OPTIONS=--experimental-vm-modules npx jest --ci --json --outputFile="$state/jest-$name.json" "$@" || jest_rc=$?
}
if [[ $# -gt 0 ]]; then
  echo "[test] jest $*" >&2
  run_jest args "$@"
else
  # the fast workflow tier with its coverage of workflows/ (threshold 95 % lines, enforced), then the rest
  echo "[test] jest: workflow-fast (with coverage of workflows/)" >&2
  run_jest fast --selectProjects workflow-fast --coverage --coverageReporters=text-summary
  echo "[test] jest: unit, workflow, e2e, faults" >&2
  run_jest rest --selectProjects unit workflow e2e faults
fi
if [[ -s "$FAULTS_REPORT" ]]; then "$root/node_modules/.bin/tsx" test/faults/print-table.ts "$FAULTS_REPORT"; fi
# one plain closing line that any reader of the log understands
node -e 'let p=0,f=0,s=0; for (const file of process.argv.slice(1)) { const r=require(file); p+=r.numPassedTests; f+=r.numFailedTests; s+=r.numPendingTests; } console.log(`jest: ${p} passed, ${f} failed, ${s} skipped`)' "$state"/jest-*.json
[[ $jest_rc == 0 ]] || exit "$jest_rc"

leftover="$(find "$TMPDIR" -name 'ned-kube-*' | wc -l)"
if [[ "$leftover" != 0 ]]; then
  echo "[test] FAIL: $leftover kubeconfig temp dir(s) left behind:" >&2
  find "$TMPDIR" -name 'ned-kube-*' >&2
  exit 1
fi
echo "[test] no kubeconfig temp files left behind" >&2
