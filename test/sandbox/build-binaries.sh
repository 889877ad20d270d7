#!/usr/bin/env bash
# Builds the sandbox's real parts from the Go module proxy into the cache
# (${CAIRN_CACHE_DIR:-~/.cache/cairn}/bin/<name>-<version>), only those the caller asks for and only
# when the pinned version is not built yet. Each binary is a tiny wrapper module whose main calls
# the upstream command.
#
# Usage: build-binaries.sh [TARGET...]   TARGET: etcd kubernetes kwok gitea helm kustomize, or the
#   sets demo (etcd kubernetes kwok helm kustomize: what `npm run demo` runs), sandbox and all
#   (demo + gitea, the default).
# Independent builds run at once (CAIRN_BUILD_JOBS, default 2: Go already spreads one build over
# every core, but module downloads and single-threaded links overlap well). Each build says what it
# builds, for what, and how long it took last time (durations are kept in $cache/durations/).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
cache=${CAIRN_CACHE_DIR:-$HOME/.cache/cairn}
bin="$cache/bin"
mkdir -p "$bin" "$cache/build" "$cache/durations"

log() { echo "sandbox: $*" >&2; }

# Every Go build: no DWARF (-dwarf=false skips generating it in the compiler, -s -w drops the
# symbol tables at link: smaller and faster, and nobody debugs these binaries), no VCS stamping,
# pure Go where the part allows. The same flags on every build let the builds share GOCACHE entries.
export CGO_ENABLED=${CGO_ENABLED:-0} GOFLAGS="${GOFLAGS:-} -buildvcs=false"
gcflags="all=-dwarf=false"

# phases NAME DOWNLOAD_SECONDS: logs how the build split between fetching modules and compiling, so
# a slow cold start shows where the time went (the network or the cores).
phase_start=0
phases() { log "$1: modules downloaded in $2s, compiled and linked in $((SECONDS - phase_start))s"; }

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
  local t0=$SECONDS
  (cd "$dir" && go mod init cairn.local/etcd >/dev/null 2>&1 \
    && go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null \
    && go mod tidy >/dev/null) || { log "etcd $ETCD_VERSION modules could not be downloaded (see output above)"; return 4; }
  phase_start=$SECONDS
  (cd "$dir" && go build -trimpath -gcflags "$gcflags" -ldflags "-s -w" -o "$out.tmp" .) \
    || { log "etcd $ETCD_VERSION build failed (see output above)"; return 4; }
  phases etcd $((phase_start - t0))
  mv "$out.tmp" "$out"
  log "built $out"
}

# The three Kubernetes control-plane binaries share one wrapper module (one module graph, one build
# cache): cmd/kube-apiserver, cmd/kube-controller-manager and cmd/kube-scheduler, each calling the
# upstream command with the same -ldflags version.
build_kubernetes() {
  local names=(kube-apiserver kube-controller-manager kube-scheduler)
  local missing=()
  for n in "${names[@]}"; do [ -x "$bin/$n-$KUBERNETES_VERSION" ] || missing+=("$n"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local dir="$cache/build/kubernetes-$KUBERNETES_VERSION"
  local staging="v0.${KUBERNETES_VERSION#v1.}"
  mkdir -p "$dir/cmd/kube-apiserver" "$dir/cmd/kube-controller-manager" "$dir/cmd/kube-scheduler"
  write_main "$dir/cmd/kube-apiserver" "k8s.io/kubernetes/cmd/kube-apiserver/app" NewAPIServerCommand "the upstream Kubernetes API server"
  write_main "$dir/cmd/kube-controller-manager" "k8s.io/kubernetes/cmd/kube-controller-manager/app" NewControllerManagerCommand "the upstream kube-controller-manager"
  write_main "$dir/cmd/kube-scheduler" "k8s.io/kubernetes/cmd/kube-scheduler/app" "NewSchedulerCommand" "the upstream kube-scheduler"
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with local paths;
  # pin each to the published v0.x.y, read from that tag's own go.mod.
  local gomod t0=$SECONDS
  gomod=$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
  [ -f "$gomod" ] || { log "could not download k8s.io/kubernetes@$KUBERNETES_VERSION go.mod"; return 4; }
  {
    echo "module cairn.local/kubernetes"
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
  (cd "$dir" && go mod tidy >/dev/null) || { log "go mod tidy failed for the Kubernetes wrapper module"; return 4; }
  # One go build for the missing binaries: one package load, the k8s.io packages they share
  # compiled once, and the links run side by side instead of one after another.
  local pkgs=() outdir="$dir/out"
  for n in "${missing[@]}"; do pkgs+=("./cmd/$n"); done
  rm -rf "$outdir" && mkdir -p "$outdir"
  phase_start=$SECONDS
  log "building ${missing[*]} $KUBERNETES_VERSION in one go build"
  (cd "$dir" && go build -trimpath -gcflags "$gcflags" -ldflags "$ldflags" -o "$outdir/" "${pkgs[@]}") \
    || { log "${missing[*]} $KUBERNETES_VERSION build failed (see output above)"; return 4; }
  phases kubernetes $((phase_start - t0))
  for n in "${missing[@]}"; do
    mv "$outdir/$n" "$bin/$n-$KUBERNETES_VERSION.tmp"
    mv "$bin/$n-$KUBERNETES_VERSION.tmp" "$bin/$n-$KUBERNETES_VERSION"
    log "built $bin/$n-$KUBERNETES_VERSION"
  done
}

# write_main DIR IMPORT CONSTRUCTOR WHAT: a main package that runs one upstream cobra command.
write_main() {
  cat >"$1/main.go" <<GO
// Command $(basename "$1") runs $4.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"$2"
)

func main() { os.Exit(cli.Run(app.$3())) }
GO
}

# go_install GOBIN LDFLAGS PKG@VERSION: `go install` of an upstream command in two timed phases:
# `go install -n` loads the packages (downloading every module they need) without compiling, then
# the real install compiles and links.
go_install() {
  local t0=$SECONDS
  GOBIN="$1" go install -n -trimpath "$3" >/dev/null 2>&1 || true
  phase_start=$SECONDS
  GOBIN="$1" go install -trimpath -gcflags "$gcflags" -ldflags "$2" "$3" || return 4
  phases "${3%%@*}" $((phase_start - t0))
}

# kwok simulates nodes and pods. Its Stage objects (what a fake node and pod go through) come from
# the same module version's kustomize/stage folder, copied next to the binary.
build_kwok() {
  local out="$bin/kwok-$KWOK_VERSION"
  local stages="$cache/kwok-stages-$KWOK_VERSION"
  [ -x "$out" ] && [ -f "$stages/pod-ready.yaml" ] && return 0
  local gobin="$cache/build/kwok-$KWOK_VERSION"
  mkdir -p "$gobin"
  log "building kwok $KWOK_VERSION"
  go_install "$gobin" "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" || { log "kwok $KWOK_VERSION build failed (see output above)"; return 4; }
  local src
  src="$(go env GOMODCACHE)/sigs.k8s.io/kwok@$KWOK_VERSION/kustomize/stage"
  [ -d "$src" ] || { log "kwok stages not found at $src"; return 4; }
  rm -rf "$stages.tmp" && mkdir -p "$stages.tmp"
  cp "$src/node/fast/node-initialize.yaml" "$src/node/heartbeat/node-heartbeat.yaml" \
    "$src/pod/fast/pod-ready.yaml" "$src/pod/fast/pod-complete.yaml" "$src/pod/fast/pod-delete.yaml" "$stages.tmp/"
  chmod 0644 "$stages.tmp"/*.yaml
  rm -rf "$stages" && mv "$stages.tmp" "$stages"
  mv "$gobin/kwok" "$out"
  log "built $out"
}

# helm (for the install chart's lint and template tests): go install of the upstream command into
# a private GOBIN, then an atomic rename into the cache. The version ldflags make `helm version`
# print the pinned release instead of the module's default.
build_helm() {
  local out="$bin/helm-$HELM_VERSION"
  [ -x "$out" ] && return 0
  local gobin="$cache/build/helm-$HELM_VERSION"
  rm -rf "$gobin" && mkdir -p "$gobin"
  log "building helm $HELM_VERSION"
  local ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  ldflags+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  go_install "$gobin" "$ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" || { log "helm $HELM_VERSION build failed (see output above)"; return 4; }
  mv "$gobin/helm" "$out.tmp"
  mv "$out.tmp" "$out"
  log "built $out"
}

# Gitea, built without bindata from a wrapper module whose main.go is Gitea's own, copied unchanged,
# and whose go.mod copies that version's seven replace lines (they pin forks and older releases
# Gitea's code needs). CGO is required by the sqlite driver. Without bindata Gitea reads options/,
# templates/ and public/ from STATIC_ROOT_PATH, so those folders are copied next to the binary: the
# cache alone (no module cache) is enough to run it.
build_gitea() {
  local out="$bin/gitea-$GITEA_VERSION"
  local static="$cache/gitea-$GITEA_VERSION-static"
  [ -x "$out" ] && [ -d "$static/options" ] && return 0
  command -v gcc >/dev/null || { log "Gitea needs a C compiler for sqlite (CGO); install gcc and libc6-dev"; return 3; }
  local dir="$cache/build/gitea-$GITEA_VERSION"
  rm -rf "$dir" && mkdir -p "$dir"
  local json src gomod
  json=$(cd "$dir" && go mod download -json "code.gitea.io/gitea@$GITEA_VERSION") \
    || { log "could not download code.gitea.io/gitea@$GITEA_VERSION"; return 4; }
  src=$(echo "$json" | sed -n 's/.*"Dir": "\(.*\)",*/\1/p')
  gomod=$(echo "$json" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
  [ -f "$src/main.go" ] && [ -f "$gomod" ] || { log "Gitea $GITEA_VERSION sources not found in the module cache"; return 4; }
  cp "$src/main.go" "$dir/main.go"
  chmod u+w "$dir/main.go"
  {
    echo "module cairn.local/gitea"
    echo
    echo "go $(sed -n 's/^go \(.*\)/\1/p' "$gomod")"
    echo
    sed -n 's/^godebug .*/&/p' "$gomod"
    echo
    echo "require code.gitea.io/gitea $GITEA_VERSION"
    echo
    grep '^replace ' "$gomod"
  } >"$dir/go.mod"
  local nreplace
  nreplace=$(grep -c '^replace ' "$dir/go.mod")
  [ "$nreplace" -ge 7 ] || { log "expected Gitea's seven replace lines in $gomod, found $nreplace"; return 4; }
  log "building gitea $GITEA_VERSION (about 3 minutes on 2 cores)"
  (cd "$dir" && go mod tidy >/dev/null \
    && CGO_ENABLED=1 go build -trimpath -tags 'sqlite sqlite_unlock_notify' \
      -ldflags "-s -w -X main.Version=${GITEA_VERSION#v}" -o "$out.tmp" .) \
    || { log "gitea $GITEA_VERSION build failed (see output above)"; return 4; }
  rm -rf "$static.tmp" && mkdir -p "$static.tmp"
  cp -r "$src/options" "$src/templates" "$src/public" "$static.tmp/"
  chmod -R u+w "$static.tmp"
  rm -rf "$static" && mv "$static.tmp" "$static"
  mv "$out.tmp" "$out"
  log "built $out"
}

# kustomize renders the example platform's overlay and the render tests' kustomizations. Its own
# script builds it (it runs alone too); here it joins the pool, so it overlaps the other builds.
build_kustomize() { bash "$here/build-kustomize.sh"; }

# --- the driver: what to build, why, how long it took last time, and a small job pool ---

# built TARGET: whether the target's files are all in the cache already.
built() {
  case $1 in
    etcd) [ -x "$bin/etcd-$ETCD_VERSION" ] ;;
    kubernetes) [ -x "$bin/kube-apiserver-$KUBERNETES_VERSION" ] && [ -x "$bin/kube-controller-manager-$KUBERNETES_VERSION" ] \
      && [ -x "$bin/kube-scheduler-$KUBERNETES_VERSION" ] ;;
    kwok) [ -x "$bin/kwok-$KWOK_VERSION" ] && [ -f "$cache/kwok-stages-$KWOK_VERSION/pod-ready.yaml" ] ;;
    gitea) [ -x "$bin/gitea-$GITEA_VERSION" ] && [ -d "$cache/gitea-$GITEA_VERSION-static/options" ] ;;
    helm) [ -x "$bin/helm-$HELM_VERSION" ] ;;
    kustomize) [ -x "$bin/kustomize-$KUSTOMIZE_VERSION" ] ;;
  esac
}

# describe TARGET: "what version (for what)".
describe() {
  case $1 in
    etcd) echo "etcd $ETCD_VERSION (the cluster's store)" ;;
    kubernetes) echo "kube-apiserver, kube-controller-manager, kube-scheduler $KUBERNETES_VERSION (the sandbox cluster)" ;;
    kwok) echo "kwok $KWOK_VERSION (the simulated node that runs the pods)" ;;
    gitea) echo "gitea $GITEA_VERSION (the Git host of the pull-request tests; not used by the demo)" ;;
    helm) echo "helm $HELM_VERSION (renders the example platform's chart; the install chart's lint and template tests)" ;;
    kustomize) echo "kustomize $KUSTOMIZE_VERSION (renders the example platform's overlay and the render tests)" ;;
  esac
}

# version TARGET: the pinned version, which keys the recorded duration.
version() {
  case $1 in
    etcd) echo "$ETCD_VERSION" ;; kubernetes) echo "$KUBERNETES_VERSION" ;; kwok) echo "$KWOK_VERSION" ;;
    gitea) echo "$GITEA_VERSION" ;; helm) echo "$HELM_VERSION" ;; kustomize) echo "$KUSTOMIZE_VERSION" ;;
  esac
}

# typical TARGET: seconds a cold build took on the shared 2-core machine, when none was recorded here.
typical() {
  case $1 in etcd) echo 150 ;; kubernetes) echo 480 ;; kwok) echo 150 ;; gitea) echo 200 ;; helm) echo 600 ;; kustomize) echo 120 ;; esac
}

minutes() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# expectation TARGET: "last time 4m12s" from the record, else the typical figure.
expectation() {
  local f="$cache/durations/$1-$(version "$1")"
  if [ -f "$f" ]; then echo "last time $(minutes "$(cat "$f")")"; else echo "typically $(minutes "$(typical "$1")") on 2 cores"; fi
}

# run_build TARGET: one build with its output in a log of its own (concurrent builds would
# interleave), its duration recorded, and the log's tail shown when it fails.
run_build() {
  local t=$1 started=$SECONDS logf="$cache/build/$1.log"
  log "building $(describe "$t"), $(expectation "$t")"
  if "build_$t" >"$logf" 2>&1; then
    echo $((SECONDS - started)) >"$cache/durations/$t-$(version "$t")"
    # CPU seconds of the build's processes (children of this job): unlike the wall time, they
    # do not depend on how many others share the cores.
    # Read from /proc with the job's pid taken outside $(...): `times` or $BASHPID inside a pipe or
    # $(...) would see a fork that has no children of its own.
    local cpu stat="/proc/$BASHPID/stat"
    cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($16 + $17) / hz }' "$stat")
    log "built $t in $(minutes $((SECONDS - started))) ($(minutes "$cpu") of CPU)"
  else
    local rc=$?
    log "$t failed after $(minutes $((SECONDS - started))); last lines of $logf:"
    tail -n 20 "$logf" >&2
    return "$rc"
  fi
}

targets=()
for arg in "${@:-all}"; do
  case $arg in
    # The demo's example platform renders a Kustomize overlay and a Helm chart; it needs no Gitea.
    demo) targets+=(kubernetes etcd kwok helm kustomize) ;;
    sandbox | all) targets+=(kubernetes etcd kwok gitea helm kustomize) ;;
    etcd | kubernetes | kwok | gitea | helm | kustomize) targets+=("$arg") ;;
    *) echo "usage: build-binaries.sh [demo|sandbox|all|etcd|kubernetes|kwok|gitea|helm|kustomize]..." >&2; exit 2 ;;
  esac
done
# Longest first (the Kubernetes build is the critical path), each once: with two at a time the
# Kubernetes build runs beside helm, then the short ones follow on whichever slot frees first, so
# one build's module downloads overlap another's compile.
todo=()
for t in kubernetes gitea helm etcd kwok kustomize; do
  for want in "${targets[@]}"; do
    if [ "$want" = "$t" ]; then built "$t" || todo+=("$t"); break; fi
  done
done

[ ${#todo[@]} -eq 0 ] && exit 0
command -v go >/dev/null || { echo "sandbox: Go is missing; install Go 1.24+ (https://go.dev/dl) and retry" >&2; exit 3; }
jobs_max=${CAIRN_BUILD_JOBS:-2}
log "building ${todo[*]} into $bin, $jobs_max at a time (a second start reuses them)"
# Each build runs in a process group of its own (set -m), so Ctrl-C or TERM here stops every
# build under way, go and its compilers included, and leaves no half-written binary behind.
set -m
pids=()
trap 'trap - INT TERM; for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null; done; exit 130' INT TERM
failed=0 running=0
for t in "${todo[@]}"; do
  if [ $running -ge "$jobs_max" ]; then wait -n || failed=1; running=$((running - 1)); fi
  run_build "$t" &
  pids+=($!)
  running=$((running + 1))
done
while [ $running -gt 0 ]; do wait -n || failed=1; running=$((running - 1)); done
[ $failed = 0 ] || { log "some builds failed (see above)"; exit 4; }
