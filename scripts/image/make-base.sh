#!/usr/bin/env bash
# Makes, from Debian's own packages and this machine's Node, the base image the Dockerfile
# names (node:20-bookworm-slim), for machines that reach npm and Debian but no container
# registry. What it holds is what the official image holds for the build: Debian bookworm,
# Node and npm under /usr/local, Node's headers (so node-gyp builds better-sqlite3 without
# downloading them), a `node` user (uid 1000), and the CA bundle of this machine (so npm and
# apt trust the proxy in front of the registries).
set -euo pipefail

NAME="${1:-node:20-bookworm-slim}"
STORAGE=(--storage-driver vfs)
if buildah "${STORAGE[@]}" inspect --type image "$NAME" >/dev/null 2>&1; then
  echo "base image $NAME already there"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log"; exit 1; }

node_bin=$(node -p process.execPath)
node_prefix=$(dirname "$(dirname "$node_bin")")
mkdir -p "$rootfs/usr/local/bin" "$rootfs/usr/local/lib/node_modules" "$rootfs/usr/local/include"
cp "$node_bin" "$rootfs/usr/local/bin/node"
cp -a "$node_prefix/lib/node_modules/npm" "$rootfs/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
cp -a "$node_prefix/include/node" "$rootfs/usr/local/include/node"

cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/" 2>/dev/null || true
chroot "$rootfs" update-ca-certificates >/dev/null
chroot "$rootfs" groupadd --gid 1000 node
chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
cp /etc/apt/sources.list.d/* "$rootfs/etc/apt/sources.list.d/" 2>/dev/null || true
rm -rf "$rootfs/var/lib/apt/lists/"* "$rootfs/var/cache/apt/"*

container=$(buildah "${STORAGE[@]}" from scratch)
mount=$(buildah "${STORAGE[@]}" mount "$container")
cp -a "$rootfs/." "$mount/"
buildah "${STORAGE[@]}" umount "$container" >/dev/null
buildah "${STORAGE[@]}" config \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
  --env npm_config_cafile=/etc/ssl/certs/ca-certificates.crt \
  --env npm_config_nodedir=/usr/local \
  --cmd node "$container"
buildah "${STORAGE[@]}" commit --rm "$container" "$NAME" >/dev/null
echo "base image $NAME made ($(buildah "${STORAGE[@]}" images --format '{{.Size}}' "$NAME"))"
