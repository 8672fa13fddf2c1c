#!/usr/bin/env bash
# Installs the Lua 5.1 interpreter (Debian's lua5.1, the dialect Argo CD's gopher-lua implements) used
# by test/argocd to run the chart's health checks. Idempotent: does nothing when lua5.1 is on PATH.
set -euo pipefail

if command -v lua5.1 >/dev/null 2>&1; then
  exit 0
fi
command -v apt-get >/dev/null 2>&1 || {
  echo "install-lua: lua5.1 is missing and apt-get is not available; install Lua 5.1 by hand" >&2
  exit 1
}
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || {
    echo "install-lua: need root (or sudo) to apt-get install lua5.1" >&2
    exit 1
  }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; install fails fast without them.
if ! $SUDO apt-get install -y --no-install-recommends lua5.1 >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends lua5.1 >/dev/null
fi
lua5.1 -v
