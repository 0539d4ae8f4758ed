#!/usr/bin/env bash
# `npm run faults`: the fault suite at full size (FAULTS_FULL=1: 200 mixed mutations over 20 exchanges) on the
# real parts (same servers as the test suite), then its one table: case | outcome | time to recover | orphans.
# The rows are also kept in test-artifacts/faults-<time>.jsonl.
#   npm run faults                              every case
#   npm run faults -- -t 'registry'             jest arguments pass through
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/services.sh" --headless
export FAULTS_FULL="${FAULTS_FULL:-1}" FAULTS_REPORT="$state/faults.jsonl"
rc=0
NODE_OPTIONS=--experimental-vm-modules npx jest --ci --selectProjects faults "$@" || rc=$?
"$root/node_modules/.bin/tsx" test/faults/print-table.ts "$FAULTS_REPORT" || true
if [[ -s "$FAULTS_REPORT" ]]; then
  mkdir -p "$root/test-artifacts"
  cp "$FAULTS_REPORT" "$root/test-artifacts/faults-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
fi
exit "$rc"
