#!/usr/bin/env bash
# Applies the moto patches in this directory to the installed moto, once each (see README.md):
#   change-set-outputs.patch      moto executes a change set without recording the stack's outputs
#                                 and exports and without resolving Fn::ImportValue; cairn deploys
#                                 only through change sets, so AWS outputs bound into manifests need it.
#   transact-write-snapshot.patch DynamoDB TransactWriteItems deep-copied the whole table per
#                                 operation (cost grew with table size); it now snapshots only the
#                                 items it touches. The audit ledger appends through it.
#   query-partition.patch         DynamoDB Query on the base table tested every item of the table
#                                 (cost grew with table size); it now reads the queried partition.
#                                 The audit ledger reads a chain through it.
# The patches are made for moto 5.2.1 (want_version below): any other version is refused (pin it, or refresh the
# patches). Idempotent (an applied patch is detected by a reverse dry run) and verified (after
# applying, the reverse dry run must succeed). Prints one sha256 over all patches, which sandbox.sh
# records beside the running moto_server so that a server started before a patch is restarted.
# Usage: apply.sh   (exit 0 = moto is patched; otherwise a message says what to do)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
patches=("$here/change-set-outputs.patch" "$here/transact-write-snapshot.patch" "$here/query-partition.patch")
want_version=5.2.1
say() { echo "moto-patch: $*" >&2; }

# find_spec locates moto without importing it (importing moto takes seconds).
pkg=$(python3 -c 'import importlib.util as u; s = u.find_spec("moto"); print(s.submodule_search_locations[0] if s else "")')
[ -n "$pkg" ] || { say "moto is not installed for python3; run: python3 -m pip install 'moto[server]==$want_version'"; exit 1; }
site=$(dirname "$pkg")
version=$(python3 -c 'import importlib.metadata as m; print(m.version("moto"))')
if [ "$version" != "$want_version" ]; then
  say "moto $version is installed at $pkg but the patches in $here are made for moto $want_version; run: python3 -m pip install 'moto[server]==$want_version' (or refresh the patches for $version)"
  exit 1
fi

applied() { patch -d "$site" -p1 -R --dry-run -s -f <"$1" >/dev/null 2>&1; }

# One machine-wide lock: several worktrees may start a sandbox against the same site-packages.
exec 8>"${TMPDIR:-/tmp}/cairn-moto-patch.lock"
flock 8
for patch_file in "${patches[@]}"; do
  name=$(basename "$patch_file")
  applied "$patch_file" && continue
  # The files a patch changes, from its "+++ b/..." lines.
  for target in $(sed -n 's#^+++ b/\([^[:space:]]*\).*#\1#p' "$patch_file"); do
    [ -w "$site/$target" ] || { say "$site/$target is not writable; install moto in a virtualenv or user site you own"; exit 1; }
  done
  if ! patch -d "$site" -p1 --forward --dry-run -s -f <"$patch_file" >/dev/null 2>&1; then
    say "$name does not apply to moto $version at $pkg (its files differ from a clean moto $want_version); reinstall it: python3 -m pip install --force-reinstall 'moto[server]==$want_version'"
    exit 1
  fi
  patch -d "$site" -p1 --forward --no-backup-if-mismatch -s -f <"$patch_file" >/dev/null
  applied "$patch_file" || { say "applied $name to moto $version at $pkg but the reverse check fails; reinstall moto"; exit 1; }
  say "applied $name to moto $version at $pkg"
done
cat "${patches[@]}" | sha256sum | cut -d' ' -f1
