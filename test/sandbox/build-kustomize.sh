#!/usr/bin/env bash
# Builds kustomize (the renderer of k8s-resources/ folders that hold a kustomization.yaml) into the
# cache (~/.cache/cairn/bin/kustomize-<version>) when that version is not built yet. It is one
# member of build-binaries.sh's module graph (the same pins as the other sandbox binaries, so
# their shared packages compile once), so this is that script for kustomize alone.
set -euo pipefail
exec bash "$(cd "$(dirname "$0")" && pwd)/build-binaries.sh" kustomize
