#!/usr/bin/env bash
# `npm run bench`: POST /exchange through the whole service against raw helm on the same chart, values and cluster
# (same servers as the test suite), plus memory and GET /exchange latency; arguments go to test/bench/deploy-bench.ts.
#   npm run bench -- --sequential 10 --concurrent 10 --concurrency 4 --records 1000 [--processes]
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/services.sh" --headless
# --processes runs the compiled API and worker: build them from the tree as it is now
for arg in "$@"; do
  if [[ "$arg" == --processes ]]; then npm run --silent build; break; fi
done
# the servers' pid files (Temporal, kube-apiserver) for the CPU figures
export NED_BENCH_STATE="$state"
"$root/node_modules/.bin/tsx" test/bench/deploy-bench.ts "$@"
