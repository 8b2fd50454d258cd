#!/usr/bin/env bash
# Regenerates the README's pictures. Each is what `sim run NAME --out DIR`
# writes (a diagram, or a screenshot of viewer.html taken by headless
# Chromium when one is installed): nothing here is drawn by hand.
#
#   bash docs/pictures/make.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/sim" ./cmd/sim
out=docs/pictures

# diagram NAME RUN PICTURE [sim run flags...]
diagram() {
  local name=$1 run=$2 picture=$3
  shift 3
  "$tmp/sim" run "$name" --out "$tmp/$picture" "$@" >/dev/null
  cp "$tmp/$picture/diagram-$run.png" "$out/$picture.png"
}
diagram lost_ack rpc lost_ack
diagram nfs_write_buffer_loss nfs-buffered write_buffer_loss --from 20s --to 33s --hide timers
diagram nfs_server_crash nfs server_crash --from 900ms --to 13s
diagram nfs_vs_afs afs afs_callback --from 40s --to 101.5s --hide acks
diagram handshake_loss reliable-syn_lost moved_labels --from 2.9s --to 4.1s

browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -n "$browser" ]; then
  step=$(grep -n '"kind":"crash"' "$tmp/write_buffer_loss/trace-nfs-buffered.jsonl" | head -1 | cut -d: -f1)
  profile="$tmp/profile"
  "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --hide-scrollbars --window-size=1400,820 \
    --screenshot="$out/viewer.png" \
    "file://$tmp/write_buffer_loss/viewer.html#system=nfs-buffered&step=$step" >/dev/null 2>&1 || true
  [ -s "$out/viewer.png" ] || echo "no viewer screenshot: $browser failed" >&2
else
  echo "no Chromium: docs/pictures/viewer.png left as it was" >&2
fi
