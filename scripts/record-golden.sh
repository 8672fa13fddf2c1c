#!/usr/bin/env bash
# Re-records test/conformance/golden/ from the real `crossplane render` and the real functions.
# Usage: scripts/record-golden.sh [case...]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$REPO/scripts/install-tools.sh"
cd "$REPO"
exec npx tsx test/conformance/record-golden.ts "$@"
