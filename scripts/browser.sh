#!/usr/bin/env bash
# Makes sure Debian's Chromium is on the machine for the browser e2e test (test/e2e/web-ui.test.ts drives it
# with playwright-core; no test tool ever downloads a browser of its own).
#   scripts/browser.sh      installs the `chromium` package when /usr/bin/chromium is missing; silent otherwise
set -euo pipefail
chromium_bin=/usr/bin/chromium
[[ -x "$chromium_bin" ]] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "[browser] $chromium_bin is missing and apt-get is not available: install Debian's chromium package by hand" >&2
  exit 1
fi
sudo=()
if [[ $(id -u) != 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=(sudo -n); else
    echo "[browser] $chromium_bin is missing and installing it needs root (run: apt-get install -y --no-install-recommends chromium)" >&2
    exit 1
  fi
fi
echo "[browser] installing Debian's chromium (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo[@]}" apt-get update -qq >&2; then
  echo "[browser] apt-get update failed: cannot install chromium" >&2; exit 1
fi
if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium >&2; then
  echo "[browser] apt-get install chromium failed" >&2; exit 1
fi
if [[ ! -x "$chromium_bin" ]]; then
  echo "[browser] chromium was installed but $chromium_bin is missing" >&2; exit 1
fi
echo "[browser] $("$chromium_bin" --version 2>/dev/null || echo chromium) installed" >&2
