#!/bin/sh
# Builds a minimal worker image without a registry: the node binary, the shared libraries that
# `ldd` lists for it (and for any native addons named after the tag), an empty /tmp and a passwd
# file, imported with `docker import`. Runyard's own code is not inside: the tests and the
# benchmark bind-mount the repository at the same path, so the image stays the same while the
# code changes. For a self-contained image, see the Dockerfile beside this script.
#
#   DOCKER_HOST=unix:///tmp/d/docker.sock examples/docker/build-offline-image.sh runyard-node:offline \
#     node_modules/better-sqlite3/build/Release/better_sqlite3.node
#
# Uses Debian's client (/usr/bin/docker) unless DOCKER_BIN says otherwise.
set -eu

tag=${1:?usage: build-offline-image.sh <image:tag> [native-addon.node ...]}
shift
docker_bin=${DOCKER_BIN:-/usr/bin/docker}
node_bin=$(readlink -f "${NODE_BIN:-$(command -v node)}")

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root/usr/local/bin" "$root/tmp" "$root/etc" "$root/root"
chmod 1777 "$root/tmp"
cp "$node_bin" "$root/usr/local/bin/node"
printf 'root:x:0:0:root:/root:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"

# Each library goes to the path the dynamic loader asks for; `cp -L` turns symlinks into files.
for binary in "$node_bin" "$@"; do
  ldd "$binary" | awk '/=> \//{print $3} /^\s*\/[^ ]+ \(/{print $1}' | while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
done
# The loader itself may be asked for through /lib64 (x86-64) or /lib (arm64).
for loader in /lib64/ld-linux-x86-64.so.2 /lib/ld-linux-aarch64.so.1; do
  if [ -e "$loader" ]; then
    mkdir -p "$root$(dirname "$loader")"
    cp -L "$loader" "$root$loader"
  fi
done

tar -C "$root" -c . | "$docker_bin" import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'WORKDIR /tmp' \
  - "$tag" >/dev/null
echo "$tag"
