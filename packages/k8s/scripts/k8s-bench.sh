#!/usr/bin/env bash
# Issue 12's figures, side by side in one run, on one private dockerd (as root, after `npm run build`):
# launch → RUN_SUCCESS through K8sRunLauncher (fake API server + Docker) vs DockerRunLauncher;
# OOM kill → diagnosed FAILED; API requests while 20 and 200 runs are being health-checked.
set -euo pipefail
cd "$(dirname "$0")/../../.."
exec npx vitest run --config packages/k8s/scripts/vitest.bench.config.ts "$@"
