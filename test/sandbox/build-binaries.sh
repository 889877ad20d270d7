#!/usr/bin/env bash
# Builds kube-apiserver and etcd from the Go module proxy into the cache
# (~/.cache/cairn/bin/<name>-<version>), only when the pinned version is not built yet.
# Each binary is a tiny wrapper module whose main calls the upstream command.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
cache=${CAIRN_CACHE_DIR:-$HOME/.cache/cairn}
bin="$cache/bin"
mkdir -p "$bin" "$cache/build"

command -v go >/dev/null || { echo "sandbox: Go is missing; install Go 1.24+ (https://go.dev/dl) and retry" >&2; exit 3; }

log() { echo "sandbox: $*" >&2; }

build_etcd() {
  local out="$bin/etcd-$ETCD_VERSION"
  [ -x "$out" ] && return 0
  local dir="$cache/build/etcd-$ETCD_VERSION"
  rm -rf "$dir" && mkdir -p "$dir"
  cat >"$dir/main.go" <<'GO'
// Command etcd runs the upstream etcd server.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (cd "$dir" && go mod init cairn.local/etcd >/dev/null 2>&1 \
    && go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null \
    && go mod tidy >/dev/null \
    && CGO_ENABLED=0 go build -trimpath -o "$out.tmp" . ) || { log "etcd $ETCD_VERSION build failed (see output above)"; return 4; }
  mv "$out.tmp" "$out"
  log "built $out"
}

build_apiserver() {
  local out="$bin/kube-apiserver-$KUBERNETES_VERSION"
  [ -x "$out" ] && return 0
  local dir="$cache/build/kube-apiserver-$KUBERNETES_VERSION"
  local staging="v0.${KUBERNETES_VERSION#v1.}"
  rm -rf "$dir" && mkdir -p "$dir"
  cat >"$dir/main.go" <<'GO'
// Command kube-apiserver runs the upstream Kubernetes API server.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() { os.Exit(cli.Run(app.NewAPIServerCommand())) }
GO
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with local paths;
  # pin each to the published v0.x.y, read from that tag's own go.mod.
  local gomod
  gomod=$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
  [ -f "$gomod" ] || { log "could not download k8s.io/kubernetes@$KUBERNETES_VERSION go.mod"; return 4; }
  {
    echo "module cairn.local/kube-apiserver"
    echo
    echo "go $(sed -n 's/^go \(.*\)/\1/p' "$gomod")"
    echo
    echo "require k8s.io/kubernetes $KUBERNETES_VERSION"
    echo
    echo "replace ("
    sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*#\t\1 => \1 '"$staging"'#p' "$gomod"
    echo ")"
  } >"$dir/go.mod"
  local ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION"
  ldflags+=" -X k8s.io/component-base/version.gitMajor=1"
  ldflags+=" -X k8s.io/component-base/version.gitMinor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2)"
  ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"
  ldflags+=" -X k8s.io/component-base/version.buildDate=1970-01-01T00:00:00Z"
  ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=$KUBERNETES_VERSION"
  (cd "$dir" && go mod tidy >/dev/null \
    && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$out.tmp" . ) || { log "kube-apiserver $KUBERNETES_VERSION build failed (see output above)"; return 4; }
  mv "$out.tmp" "$out"
  log "built $out"
}

log "building binaries into $bin (first build takes several minutes)"
build_etcd
build_apiserver
