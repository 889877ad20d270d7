#!/usr/bin/env bash
# Builds kustomize (the renderer of k8s-resources/ folders that hold a kustomization.yaml) from the Go
# module proxy into the cache (~/.cache/cairn/bin/kustomize-<version>), only when that version is
# not built yet: `go install` into a private GOBIN, then an atomic rename into the cache.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
cache=${CAIRN_CACHE_DIR:-$HOME/.cache/cairn}
bin="$cache/bin"
out="$bin/kustomize-$KUSTOMIZE_VERSION"
[ -x "$out" ] && exit 0
command -v go >/dev/null || { echo "sandbox: Go is missing; install Go 1.26 (https://go.dev/dl) and retry" >&2; exit 3; }
gobin="$cache/build/kustomize-$KUSTOMIZE_VERSION"
rm -rf "$gobin" && mkdir -p "$gobin" "$bin"
echo "sandbox: building kustomize $KUSTOMIZE_VERSION" >&2
# The version ldflag makes `kustomize version` print the pinned release instead of "(devel)".
# No DWARF and no VCS stamp, as build-binaries.sh builds the others (smaller, faster, same GOCACHE keys).
t0=$SECONDS
GOBIN="$gobin" CGO_ENABLED=0 go install -n -trimpath "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" >/dev/null 2>&1 || true
t1=$SECONDS
GOBIN="$gobin" CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -buildvcs=false" go install -trimpath -gcflags "all=-dwarf=false" \
  -ldflags "-s -w -X sigs.k8s.io/kustomize/api/provenance.version=kustomize/$KUSTOMIZE_VERSION" \
  "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" \
  || { echo "sandbox: kustomize $KUSTOMIZE_VERSION build failed (see output above)" >&2; exit 4; }
mv "$gobin/kustomize" "$out.tmp"
mv "$out.tmp" "$out"
echo "sandbox: kustomize: modules downloaded in $((t1 - t0))s, compiled and linked in $((SECONDS - t1))s" >&2
echo "sandbox: built $out" >&2
