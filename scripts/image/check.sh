#!/usr/bin/env bash
# Builds the real Dockerfile with buildah (no Docker engine needed) and runs the image as a
# user would: the relay as its non-root user on a data volume, the image's health check, a
# message sent through it, SIGTERM, and a restart of the container that still has the
# message on its /data volume. `scripts/image/make-base.sh` makes the base image first when no registry is
# reachable. Run as root from the repository root: `bash scripts/image/check.sh`.
set -euo pipefail
cd "$(dirname "$0")/../.."

STORAGE=(--storage-driver vfs)
TAG=chat4all/relay:check
PORT=$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")
API_KEY=sk_image_check_0123456789abcdefghijklmnop
APP_SECRET=image-check-app-secret-0123456789-abcdefgh

bash scripts/image/make-base.sh
started=$(date +%s)
buildah "${STORAGE[@]}" bud --isolation chroot --pull=never --format docker --layers=false -t "$TAG" . >/tmp/chat4all-image-build.log 2>&1 ||
  { tail -40 /tmp/chat4all-image-build.log; exit 1; }
echo "image $TAG built in $(($(date +%s) - started)) s: $(buildah "${STORAGE[@]}" images --format '{{.Size}}' "$TAG")"

inspect() { buildah "${STORAGE[@]}" inspect --type image --format "$1" "$TAG"; }
user=$(inspect '{{.Docker.Config.User}}')
[ "$user" = node ] || { echo "the image runs as '$user', not the node user"; exit 1; }
mapfile -t cmd < <(inspect '{{range .Docker.Config.Cmd}}{{println .}}{{end}}' | sed '/^$/d')
mapfile -t health < <(inspect '{{range .Docker.Config.Healthcheck.Test}}{{println .}}{{end}}' | sed '/^$/d')
[ "${health[0]:-}" = CMD ] || { echo "the image has no exec-form HEALTHCHECK"; exit 1; }

# One container, started twice: its /data volume (the image's VOLUME, kept by buildah with the
# container) outlives the first run, as a named volume does under Docker.
container=$(buildah "${STORAGE[@]}" from "$TAG")
relay_pid=
# The checked image and what an earlier build left are removed at the end; the base stays for next time.
trap '{ [ -z "$relay_pid" ] || kill -KILL "$relay_pid"; } 2>/dev/null || true; buildah "${STORAGE[@]}" rm "$container" >/dev/null 2>&1 || true; buildah "${STORAGE[@]}" rmi "$TAG" >/dev/null 2>&1 || true; buildah "${STORAGE[@]}" rmi --prune >/dev/null 2>&1 || true' EXIT

# Runs the image's command until it says it listens.
start() {
  local c="$container" log
  log=$(mktemp)
  buildah "${STORAGE[@]}" run --isolation chroot \
    -e CHAT4ALL_PORT="$PORT" -e CHAT4ALL_API_KEY="$API_KEY" -e CHAT4ALL_APP_SECRET="$APP_SECRET" \
    "$c" -- "${cmd[@]}" >"$log" 2>&1 &
  for _ in $(seq 1 300); do
    grep -q 'chat4all relay listening' "$log" && break
    if ! kill -0 $! 2>/dev/null; then cat "$log"; echo "the relay exited"; exit 1; fi
    sleep 0.1
  done
  relay_pid=$(pgrep -f -n "^/usr/local/bin/node ${cmd[1]}") || { cat "$log"; echo "the relay did not start"; exit 1; }
  relay_log="$log"
}

stop() {
  kill -TERM "$relay_pid"
  for _ in $(seq 1 200); do kill -0 "$relay_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$relay_pid" 2>/dev/null; then echo "the relay did not stop on SIGTERM"; exit 1; fi
  grep -q '"signal":"SIGTERM","msg":"shutting down"' "$relay_log" || { cat "$relay_log"; echo "no clean shutdown"; exit 1; }
  relay_pid=
}

start
uid=$(awk '/^Uid:/ {print $2}' "/proc/$relay_pid/status")
[ "$uid" != 0 ] || { echo "the relay runs as root"; exit 1; }
buildah "${STORAGE[@]}" run --isolation chroot -e CHAT4ALL_PORT="$PORT" "$container" -- "${health[@]:1}" ||
  { echo "the image's health check failed"; exit 1; }
# Thumbnails: sharp's prebuilt binary for the image's platform loads and makes a WebP.
buildah "${STORAGE[@]}" run --isolation chroot "$container" -- node -e "
const sharp = require(require.resolve('sharp', { paths: [require.resolve('@chat4all/relay-server')] }));
sharp({ create: { width: 64, height: 32, channels: 3, background: '#000' } }).webp().toBuffer({ resolveWithObject: true })
  .then(({ info }) => { if (info.format !== 'webp') process.exit(1); console.log('sharp ' + sharp.versions.sharp + ' makes thumbnails in the image'); });
" || { echo "sharp does not work in the image"; exit 1; }
conversation=$(node scripts/image/smoke.mjs send "http://127.0.0.1:$PORT" "$API_KEY")
stop
echo "the relay ran as uid $uid, passed its health check, carried a message and stopped on SIGTERM"

start
node scripts/image/smoke.mjs read "http://127.0.0.1:$PORT" "$API_KEY" "$conversation"
stop
echo "image check passed"
