#!/usr/bin/env bash
# Opt-in, never part of CI: runs the launcher conformance suite through K8sRunLauncher against the
# real cluster your kubeconfig points at (kind, minikube, a cloud cluster you can mount into).
#
# Needs, from the repository root after `npm run build`:
#   RUNYARD_K8S_IMAGE       an image with node at /usr/local/bin/node (e.g. node:20-slim, loaded
#                           into the cluster: `kind load docker-image node:20-slim`)
#   RUNYARD_K8S_SHARED_DIR  a directory of this machine mounted at the same path on every node;
#                           this repository must be under it too (kind: `extraMounts` of both)
# Optional: KUBECONFIG, RUNYARD_K8S_CONTEXT, RUNYARD_K8S_NAMESPACE (default `default`).
set -euo pipefail
cd "$(dirname "$0")/../../.."
: "${RUNYARD_K8S_IMAGE:?set RUNYARD_K8S_IMAGE (see the comment at the top of this script)}"
: "${RUNYARD_K8S_SHARED_DIR:?set RUNYARD_K8S_SHARED_DIR (see the comment at the top of this script)}"
exec npx vitest run --config packages/k8s/scripts/vitest.real-cluster.config.ts "$@"
