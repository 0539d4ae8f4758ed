#!/usr/bin/env bash
# `npm run bench`: the deploy/remove benchmark on the real parts (same servers as the test suite).
#   npm run bench -- --sequential 10 --concurrent 10
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/services.sh" --headless
"$root/node_modules/.bin/tsx" test/bench/deploy-bench.ts "$@"
