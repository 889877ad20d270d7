#!/usr/bin/env bash
# Measures a cold start of the demo's builds: build-binaries.sh TARGET (default demo) into empty,
# private caches (the cairn cache, GOCACHE, GOMODCACHE and GOPATH under $COLD_ROOT, default
# /work/cold-*), never the shared ~/.cache/cairn or the default Go caches others build from. It
# prints the wall time, each build's split between module downloads and compiling, and the load
# average sampled every 30 s (the machine is shared, so a figure without its load means little).
#
# Usage: measure-cold-start.sh [TARGET...]      KEEP=1 keeps the caches (to run the demo or the
#   tests against them with CAIRN_CACHE_DIR=$COLD_ROOT-cache); otherwise they are deleted.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=${COLD_ROOT:-/work/cold}
export CAIRN_CACHE_DIR=$root-cache GOCACHE=$root-gocache GOMODCACHE=$root-gomod GOPATH=$root-gopath

# clean: the module cache is read-only by design, so it needs write permission back before rm.
clean() {
  [ -d "$GOMODCACHE" ] && chmod -R u+w "$GOMODCACHE"
  rm -rf "$CAIRN_CACHE_DIR" "$GOCACHE" "$GOMODCACHE" "$GOPATH"
}
load() { cut -d' ' -f1-3 /proc/loadavg; }

clean
samples=$(mktemp)
(while sleep 30; do load | cut -d' ' -f1 >>"$samples"; done) &
sampler=$!
trap 'kill $sampler 2>/dev/null; rm -f "$samples"; [ "${KEEP:-0}" = 1 ] || clean' EXIT
echo "cold start of build-binaries.sh ${*:-demo}: load average before $(load)"
started=$SECONDS
rc=0
bash "$here/build-binaries.sh" "${@:-demo}" || rc=$?
took=$((SECONDS - started))
range=$(sort -n "$samples" | sed -n '1p;$p' | paste -sd- -)
printf 'cold build: %dm%02ds (exit %d), load average %s during, %s after; cores: %s\n' \
  $((took / 60)) $((took % 60)) "$rc" "${range:-n/a}" "$(load)" "$(nproc)"
exit "$rc"
