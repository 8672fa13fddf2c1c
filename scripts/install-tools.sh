#!/usr/bin/env bash
# Installs the pinned Crossplane CLI and composition functions into .tools/bin (git-ignored).
#
# Why not `go install pkg@version`: that form looks up module deprecations through the proxy's
# version list, which the proxy available here refuses (403), and function-auto-ready's go.mod
# declares a module path (github.com/crossplane/...) different from where it is published
# (github.com/crossplane-contrib/...). So each tool is built from a tiny wrapper module under
# .tools/build/<tool> that requires exactly the pinned version (plus a replace for auto-ready).
# With the tool as its only requirement, the build list is the tool's own go.mod, i.e. the same
# dependency versions `go install pkg@version` would use.
#
# Usage: scripts/install-tools.sh [--force]
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$REPO/.tools"
BIN="$TOOLS/bin"
BUILD="$TOOLS/build"
VERSIONS="$TOOLS/versions.txt"
FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1

# binary | module path declared in go.mod | module path on the proxy | version | main package
TOOLS_TABLE=(
  "crank|github.com/crossplane/crossplane/v2|github.com/crossplane/crossplane/v2|v2.2.1|github.com/crossplane/crossplane/v2/cmd/crank"
  "function-patch-and-transform|github.com/crossplane-contrib/function-patch-and-transform|github.com/crossplane-contrib/function-patch-and-transform|v0.10.9|github.com/crossplane-contrib/function-patch-and-transform"
  "function-cel-filter|github.com/crossplane-contrib/function-cel-filter|github.com/crossplane-contrib/function-cel-filter|v0.2.0|github.com/crossplane-contrib/function-cel-filter"
  "function-auto-ready|github.com/crossplane/function-auto-ready|github.com/crossplane-contrib/function-auto-ready|v0.7.0|github.com/crossplane/function-auto-ready"
)

die() {
  echo "install-tools: ERROR: $*" >&2
  exit 1
}
log() { echo "install-tools: $*"; }

command -v go >/dev/null 2>&1 || die "'go' is not on PATH (Go >= 1.25.12 is required)"
mkdir -p "$BIN" "$BUILD"

# True when the binary embeds the pinned module version (directly or as the target of a replace).
has_version() {
  local bin="$1" srcmod="$2" version="$3"
  [[ -x "$bin" ]] || return 1
  go version -m "$bin" 2>/dev/null | grep -Eq "^[[:space:]]+(mod|=>)[[:space:]]+${srcmod//./\\.}[[:space:]]+${version//./\\.}([[:space:]]|$)"
}

record_version() {
  local name="$1" srcmod="$2" version="$3" tmp
  tmp="$(mktemp)"
  { [[ -f "$VERSIONS" ]] && grep -v "^${name} " "$VERSIONS" || true; } >"$tmp"
  echo "$name $srcmod $version" >>"$tmp"
  sort "$tmp" >"$VERSIONS"
  rm -f "$tmp"
}

build_tool() {
  local name="$1" mod="$2" srcmod="$3" version="$4" pkg="$5"
  local dir="$BUILD/$name" info srcdir
  rm -rf "$dir"
  mkdir -p "$dir"
  info="$(cd "$dir" && GOFLAGS=-mod=mod go mod download -json "$srcmod@$version" 2>&1)" ||
    die "could not download $srcmod@$version from the Go module proxy: $(grep -E '"Error"|^go:' <<<"$info" || echo "$info")"
  srcdir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$info")"
  [[ -n "$srcdir" && -f "$srcdir/go.sum" ]] || die "download of $srcmod@$version has no go.sum (dir: '$srcdir')"
  (
    cd "$dir"
    go mod init "envstack.local/tools/$name" >/dev/null 2>&1
    go mod edit -require="$mod@$version"
    if [[ "$mod" != "$srcmod" ]]; then go mod edit -replace="$mod=$srcmod@$version"; fi
    cp "$srcdir/go.sum" go.sum
    chmod u+w go.sum
    GOFLAGS="-mod=mod ${GOFLAGS:-}" GOBIN="$BIN" go install "$pkg"
  ) || die "building $pkg ($srcmod@$version) failed; see the go output above"
}

for row in "${TOOLS_TABLE[@]}"; do
  IFS='|' read -r name mod srcmod version pkg <<<"$row"
  if [[ $FORCE -eq 0 ]] && has_version "$BIN/$name" "$srcmod" "$version"; then
    log "$name $version already installed"
  else
    start=$SECONDS
    log "building $name $version ($pkg) ..."
    build_tool "$name" "$mod" "$srcmod" "$version" "$pkg"
    has_version "$BIN/$name" "$srcmod" "$version" || die "$BIN/$name does not report $srcmod $version"
    log "installed $name $version in $((SECONDS - start))s"
  fi
  record_version "$name" "$srcmod" "$version"
done

ln -sfn crank "$BIN/crossplane"
"$BIN/crossplane" --help >/dev/null 2>&1 || die "$BIN/crossplane does not run"
log "done: $(tr '\n' ';' <"$VERSIONS")"
log "binaries in $BIN"
