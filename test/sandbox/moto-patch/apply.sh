#!/usr/bin/env bash
# Applies change-set-outputs.patch to the installed moto (5.x), once: moto executes a change set
# without recording the stack's outputs and exports and without resolving Fn::ImportValue, and
# cairn deploys only through change sets, so AWS outputs bound into manifests need the fix.
# Idempotent (an applied patch is detected by a reverse dry run) and verified (after applying, the
# reverse dry run must succeed). Prints the patch's sha256, which sandbox.sh records beside the
# running moto_server so that a server started before the patch is restarted.
# Usage: apply.sh   (exit 0 = moto is patched; otherwise a message says what to do)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
patch_file="$here/change-set-outputs.patch"
say() { echo "moto-patch: $*" >&2; }

# find_spec locates moto without importing it (importing moto takes seconds).
pkg=$(python3 -c 'import importlib.util as u; s = u.find_spec("moto"); print(s.submodule_search_locations[0] if s else "")')
[ -n "$pkg" ] || { say "moto is not installed for python3; run: python3 -m pip install 'moto[server]>=5,<6'"; exit 1; }
site=$(dirname "$pkg")
version=$(python3 -c 'import importlib.metadata as m; print(m.version("moto"))')

applied() { patch -d "$site" -p1 -R --dry-run -s -f <"$patch_file" >/dev/null 2>&1; }

# One machine-wide lock: several worktrees may start a sandbox against the same site-packages.
exec 8>"${TMPDIR:-/tmp}/cairn-moto-patch.lock"
flock 8
if ! applied; then
  [ -w "$pkg/cloudformation/models.py" ] || { say "$pkg/cloudformation/models.py is not writable; install moto in a virtualenv or user site you own"; exit 1; }
  if ! patch -d "$site" -p1 --forward --dry-run -s -f <"$patch_file" >/dev/null 2>&1; then
    say "the patch does not apply to moto $version at $pkg (made for moto 5.2); pin moto to 5.2.x or refresh $patch_file"
    exit 1
  fi
  patch -d "$site" -p1 --forward --no-backup-if-mismatch -s -f <"$patch_file" >/dev/null
  applied || { say "patched moto $version at $pkg but the reverse check fails; reinstall moto"; exit 1; }
  say "patched moto $version at $pkg (change sets record outputs and exports)"
fi
sha256sum "$patch_file" | cut -d' ' -f1
