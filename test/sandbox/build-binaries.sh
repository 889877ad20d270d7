#!/usr/bin/env bash
# Builds the sandbox's real parts from the Go module proxy into the cache
# (${CAIRN_CACHE_DIR:-~/.cache/cairn}/bin/<name>-<version>), only those the caller asks for and only
# when the pinned version is not built yet: etcd, the three Kubernetes binaries, kwok, helm and
# kustomize from one wrapper module in one `go build` (one module graph: the code they share compiles
# once), Gitea from a wrapper module of its own.
#
# Usage: build-binaries.sh [TARGET...]   TARGET: etcd kubernetes kwok gitea helm kustomize, or the
#   sets demo (etcd kubernetes kwok helm kustomize: what `npm run demo` runs), sandbox and all
#   (demo + gitea, the default).
# The set's build and Gitea's run at once (CAIRN_BUILD_JOBS, default 2). Each build says what it
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
# The compiler and linker are Go programs: with their garbage collector off until a process's heap
# reaches GOMEMLIMIT, a cold build of etcd took 66 s of CPU instead of 91 s (-27%; the largest
# compile grew from 0.3 to 0.6 GB). The limit keeps the rest bounded: past it the collector runs.
export GOGC=${CAIRN_BUILD_GOGC:-off} GOMEMLIMIT=${CAIRN_BUILD_GOMEMLIMIT:-1536MiB}

# phases NAME DOWNLOAD_SECONDS: logs how the build split between fetching modules and compiling, so
# a slow cold start shows where the time went (the network or the cores).
phase_start=0
phases() { log "$1: modules downloaded in $2s, compiled and linked in $((SECONDS - phase_start))s"; }

# The demo's binaries (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok, helm,
# kustomize) come from ONE wrapper module and ONE `go build`. Go's build cache keys a compiled
# package by its source and the keys of everything it imports, so builds that each pick their own
# k8s.io/api, client-go, grpc, protobuf or otel compile those again for every pick: built one by one
# they compiled about 3,900 distinct packages, one module graph about 2,700 (CPU time and wall
# time in docs/benchmarks.md#cold-start). The module requires each upstream at its pin in
# versions.env and replaces the Kubernetes staging modules with the release's published v0.x.y
# (k8s.io/kubernetes requires them at v0.0.0), so MVS lands every shared dependency on one version;
# the pins are chosen to agree (helm's and kwok's k8s.io modules, Kubernetes's etcd), and
# check_pins stops the build when they do not. Only the missing binaries of the set are linked.

# set_dir: the wrapper module's folder, one per combination of pins.
set_dir() {
  local key
  key=$(echo "$KUBERNETES_VERSION $ETCD_VERSION $KWOK_VERSION $HELM_VERSION $KUSTOMIZE_VERSION" | sha256sum | cut -c1-12)
  echo "$cache/build/binaries-$key"
}

# set_module DIR: writes the wrapper module (the mains of etcd and the three Kubernetes binaries,
# go.mod with the pins, tools.go that keeps kwok's, helm's and kustomize's mains in the graph) and
# resolves it (`go mod tidy` downloads every module the builds need).
set_module() {
  local dir=$1 staging="v0.${KUBERNETES_VERSION#v1.}" gomod
  mkdir -p "$dir/cmd/etcd" "$dir/cmd/kube-apiserver" "$dir/cmd/kube-controller-manager" "$dir/cmd/kube-scheduler"
  cat >"$dir/cmd/etcd/main.go" <<'GO'
// Command etcd runs the upstream etcd server.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  write_main "$dir/cmd/kube-apiserver" "k8s.io/kubernetes/cmd/kube-apiserver/app" NewAPIServerCommand "the upstream Kubernetes API server"
  write_main "$dir/cmd/kube-controller-manager" "k8s.io/kubernetes/cmd/kube-controller-manager/app" NewControllerManagerCommand "the upstream kube-controller-manager"
  write_main "$dir/cmd/kube-scheduler" "k8s.io/kubernetes/cmd/kube-scheduler/app" NewSchedulerCommand "the upstream kube-scheduler"
  cat >"$dir/tools.go" <<'GO'
//go:build tools

// Package tools keeps the upstream mains this module builds in its module graph.
package tools

import (
	_ "helm.sh/helm/v3/cmd/helm"
	_ "sigs.k8s.io/kustomize/kustomize/v5"
	_ "sigs.k8s.io/kwok/cmd/kwok"
)
GO
  gomod=$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
  [ -f "$gomod" ] || { log "could not download k8s.io/kubernetes@$KUBERNETES_VERSION go.mod"; return 4; }
  {
    echo "module cairn.local/sandbox-binaries"
    echo
    # Kubernetes's go line; go mod tidy raises it when another pin needs a newer one.
    echo "go $(sed -n 's/^go \(.*\)/\1/p' "$gomod")"
    echo
    echo "require ("
    echo "	k8s.io/kubernetes $KUBERNETES_VERSION"
    echo "	go.etcd.io/etcd/server/v3 $ETCD_VERSION"
    echo "	sigs.k8s.io/kwok $KWOK_VERSION"
    echo "	helm.sh/helm/v3 $HELM_VERSION"
    echo "	sigs.k8s.io/kustomize/kustomize/v5 $KUSTOMIZE_VERSION"
    echo ")"
    echo
    # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with local paths;
    # pin each to this release's published v0.x.y, for every module of the graph.
    echo "replace ("
    sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*#\t\1 => \1 '"$staging"'#p' "$gomod"
    echo ")"
  } >"$dir/go.mod"
  (cd "$dir" && go mod tidy >/dev/null) || { log "go mod tidy failed for the wrapper module $dir/go.mod"; return 4; }
  check_pins "$dir"
}

# check_pins DIR: each binary is named after its pin, so MVS must select exactly the pinned version
# of each upstream (a newer requirement elsewhere in the graph would raise it silently), and no
# module of the graph may require a staging module newer than the Kubernetes release's (the replace
# would lower it under that module, which then may not compile or not behave as released).
check_pins() {
  local dir=$1 staging="v0.${KUBERNETES_VERSION#v1.}" bad=0 path want got
  for pin in "k8s.io/kubernetes $KUBERNETES_VERSION" "go.etcd.io/etcd/server/v3 $ETCD_VERSION" \
    "sigs.k8s.io/kwok $KWOK_VERSION" "helm.sh/helm/v3 $HELM_VERSION" \
    "sigs.k8s.io/kustomize/kustomize/v5 $KUSTOMIZE_VERSION"; do
    read -r path want <<<"$pin"
    got=$(cd "$dir" && go list -m -f '{{.Version}}' "$path")
    if [ "$got" != "$want" ]; then
      log "$path: test/sandbox/versions.env pins $want but the module graph selects $got (another pin requires it); raise the pin to $got"
      bad=1
    fi
  done
  local replaced newer
  replaced=$(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => .*#\1#p' "$dir/go.mod" | paste -sd'|' -)
  newer=$(cd "$dir" && go mod graph | awk -v re="^($replaced)@" '$2 ~ re { split($2, a, "@"); print a[2], $1, a[1] }' \
    | while read -r v from mod; do
      case $from in cairn.local/*) continue ;; esac # its own lines only echo the others'
      [ "$v" = v0.0.0 ] || [ "$v" = "$staging" ] && continue
      [ "$(printf '%s\n%s\n' "$v" "$staging" | sort -V | tail -n1)" = "$v" ] && echo "$from requires $mod $v"
    done | sort -u)
  if [ -n "$newer" ]; then
    log "these require a Kubernetes module newer than $KUBERNETES_VERSION's $staging; pin a Kubernetes release at least that new, or older releases of them, in test/sandbox/versions.env:"
    echo "$newer" | sed 's/^/  /' >&2
    bad=1
  fi
  [ $bad = 0 ] || return 4
}

# build_set TARGET...: one `go build` of the missing binaries of the set, in the wrapper module.
build_set() {
  local dir pkgs=() t0=$SECONDS outdir t
  dir=$(set_dir)
  log "resolving the module graph of ${*} in $dir"
  set_module "$dir" || return 4
  for t in "$@"; do
    case $t in
      etcd) pkgs+=(./cmd/etcd) ;;
      kubernetes) pkgs+=(./cmd/kube-apiserver ./cmd/kube-controller-manager ./cmd/kube-scheduler) ;;
      kwok) pkgs+=(sigs.k8s.io/kwok/cmd/kwok) ;;
      helm) pkgs+=(helm.sh/helm/v3/cmd/helm) ;;
      kustomize) pkgs+=(sigs.k8s.io/kustomize/kustomize/v5) ;;
    esac
  done
  # Version stamps: each -X reaches only the binaries that link its package; `helm version` and
  # `kustomize version` print the pinned release instead of the module's default.
  local ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION"
  ldflags+=" -X k8s.io/component-base/version.gitMajor=1"
  ldflags+=" -X k8s.io/component-base/version.gitMinor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2)"
  ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"
  ldflags+=" -X k8s.io/component-base/version.buildDate=1970-01-01T00:00:00Z"
  ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=$KUBERNETES_VERSION"
  ldflags+=" -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  ldflags+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  ldflags+=" -X sigs.k8s.io/kustomize/api/provenance.version=kustomize/$KUSTOMIZE_VERSION"
  outdir="$dir/out"
  rm -rf "$outdir" && mkdir -p "$outdir"
  phase_start=$SECONDS
  log "building ${*} in one go build (${#pkgs[@]} binaries)"
  (cd "$dir" && go build -trimpath -gcflags "$gcflags" -ldflags "$ldflags" -o "$outdir/" "${pkgs[@]}") \
    || { log "the build of ${*} failed (see output above)"; return 4; }
  phases "${*}" $((phase_start - t0))
  for t in "$@"; do
    case $t in
      etcd) install_bin "$outdir/etcd" "etcd-$ETCD_VERSION" ;;
      kubernetes) install_bin "$outdir/kube-apiserver" "kube-apiserver-$KUBERNETES_VERSION" \
        && install_bin "$outdir/kube-controller-manager" "kube-controller-manager-$KUBERNETES_VERSION" \
        && install_bin "$outdir/kube-scheduler" "kube-scheduler-$KUBERNETES_VERSION" ;;
      kwok) kwok_stages "$dir" && install_bin "$outdir/kwok" "kwok-$KWOK_VERSION" ;;
      helm) install_bin "$outdir/helm" "helm-$HELM_VERSION" ;;
      kustomize) install_bin "$outdir/kustomize" "kustomize-$KUSTOMIZE_VERSION" ;;
    esac || return 4
  done
}

# install_bin FILE NAME: an atomic rename into the cache (never a half-written binary there).
install_bin() {
  [ -x "$1" ] || { log "the build left no $1"; return 4; }
  mv "$1" "$bin/$2.tmp" && mv "$bin/$2.tmp" "$bin/$2"
  log "built $bin/$2"
}

# kwok_stages DIR: kwok's Stage objects (what a fake node and pod go through), from the selected
# kwok module's kustomize/stage folder, copied into the cache beside the binary.
kwok_stages() {
  local stages="$cache/kwok-stages-$KWOK_VERSION" src
  src="$(cd "$1" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)/kustomize/stage"
  [ -d "$src" ] || { log "kwok stages not found at $src"; return 4; }
  rm -rf "$stages.tmp" && mkdir -p "$stages.tmp"
  cp "$src/node/fast/node-initialize.yaml" "$src/node/heartbeat/node-heartbeat.yaml" \
    "$src/pod/fast/pod-ready.yaml" "$src/pod/fast/pod-complete.yaml" "$src/pod/fast/pod-delete.yaml" "$stages.tmp/"
  chmod 0644 "$stages.tmp"/*.yaml
  rm -rf "$stages" && mv "$stages.tmp" "$stages"
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

# job_key JOB: what keys a job's recorded duration: Gitea's version, or the set's pins and members.
job_key() {
  case $1 in
    gitea) echo "gitea-$GITEA_VERSION" ;;
    *) echo "binaries-$(echo "$KUBERNETES_VERSION $ETCD_VERSION $KWOK_VERSION $HELM_VERSION $KUSTOMIZE_VERSION $1" | sha256sum | cut -c1-12)" ;;
  esac
}

# typical JOB: seconds a cold build took on the shared 2-core machine, when none was recorded here
# (the whole set; a part of it takes less).
typical() {
  case $1 in gitea) echo 200 ;; *) echo 630 ;; esac
}

minutes() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# expectation JOB: "last time 4m12s" from the record, else the typical figure.
expectation() {
  local f
  f="$cache/durations/$(job_key "$1")"
  if [ -f "$f" ]; then echo "last time $(minutes "$(cat "$f")")"; else echo "typically $(minutes "$(typical "$1")") on 2 cores"; fi
}

# run_build JOB: one build (gitea, or the set's members joined by commas) with its output in a log
# of its own (concurrent builds would interleave), its duration recorded, and the log's tail shown
# when it fails.
run_build() {
  local job=$1 started=$SECONDS logf members=() m
  IFS=, read -r -a members <<<"$job"
  logf="$cache/build/$([ "$job" = gitea ] && echo gitea || echo binaries).log"
  for m in "${members[@]}"; do log "building $(describe "$m")"; done
  [ "$job" = gitea ] || log "  (${#members[@]} of them in one go build, $(expectation "$job"))"
  [ "$job" = gitea ] && log "  ($(expectation gitea))"
  if { if [ "$job" = gitea ]; then build_gitea; else build_set "${members[@]}"; fi; } >"$logf" 2>&1; then
    echo $((SECONDS - started)) >"$cache/durations/$(job_key "$job")"
    # CPU seconds of the build's processes (children of this job): unlike the wall time, they
    # do not depend on how many others share the cores.
    # Read from /proc with the job's pid taken outside $(...): `times` or $BASHPID inside a pipe or
    # $(...) would see a fork that has no children of its own.
    local cpu stat="/proc/$BASHPID/stat"
    cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($16 + $17) / hz }' "$stat")
    grep -h '^sandbox: .*modules downloaded' "$logf" >&2 || true
    log "built ${members[*]} in $(minutes $((SECONDS - started))) ($(minutes "$cpu") of CPU)"
  else
    local rc=$?
    log "${members[*]} failed after $(minutes $((SECONDS - started))); last lines of $logf:"
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
# The missing ones, each once: the set's members make one job (one go build), Gitea another that
# runs beside it (its own module graph: a CGO build with Gitea's forks pinned by replace lines).
set_todo=() gitea_todo=0
for t in kubernetes etcd kwok helm kustomize gitea; do
  for want in "${targets[@]}"; do
    if [ "$want" = "$t" ]; then
      if ! built "$t"; then if [ "$t" = gitea ]; then gitea_todo=1; else set_todo+=("$t"); fi; fi
      break
    fi
  done
done
todo=()
[ ${#set_todo[@]} -eq 0 ] || todo+=("$(IFS=,; echo "${set_todo[*]}")")
[ $gitea_todo = 0 ] || todo+=(gitea)

[ ${#todo[@]} -eq 0 ] && exit 0
command -v go >/dev/null || { echo "sandbox: Go is missing; install Go 1.26+ (https://go.dev/dl) and retry" >&2; exit 3; }
jobs_max=${CAIRN_BUILD_JOBS:-2}
names=("${set_todo[@]}")
[ $gitea_todo = 0 ] || names+=(gitea)
log "building ${names[*]} into $bin (a second start reuses them)"
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
