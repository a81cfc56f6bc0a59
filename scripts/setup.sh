#!/usr/bin/env bash
# Installs everything Chunfeng Live needs on Debian 12 with Node 20, and nothing twice:
#   1. Debian packages (ffmpeg, GStreamer, redis-server, chromium, CJK fonts, nginx, iproute2) when missing;
#   2. the mediasoup worker (cached, prebuilt, or built offline: scripts/mediasoup-worker.sh);
#   3. npm dependencies when package-lock.json changed since the last install;
#   4. the worker linked where mediasoup looks for it at run time.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CHUNFENG_ROOT"
started=$SECONDS

node -e 'const [M, m] = process.versions.node.split(".").map(Number); process.exit(M > 20 || (M === 20 && m >= 19) ? 0 : 1)' \
  || die "Node.js >= 20.19 is required (this is $(node --version 2>/dev/null || echo 'no node'))"

say "1/4 system packages"
ensure_packages "platform and tests" ffmpeg redis-server chromium fonts-wqy-microhei ca-certificates
# tc, for the phone host's real uplink cap in tests/e2e/phoneHost.test.ts (tests/harness/uplinkShaper.ts).
ensure_packages "traffic control for the uplink test" iproute2
# nginx fronts a node in production (deploy/nginx/); the tests run their own nginx processes, so the
# Debian service it comes with is stopped and kept from starting at boot.
if [ -z "$(missing_packages nginx)" ]; then had_nginx=1; else had_nginx=0; fi
ensure_packages "the cache in front of a node, and its tests" nginx
if [ "$had_nginx" -eq 0 ]; then
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl disable --now nginx >/dev/null 2>&1 || warn "could not stop the nginx system service"
  elif [ -s /run/nginx.pid ]; then
    nginx -s quit 2>/dev/null || warn "could not stop the nginx system service"
    update-rc.d nginx disable >/dev/null 2>&1 || true
  fi
fi
# The programme mixer (server/mixer/program_mixer.py): GStreamer's live compositor and audiomixer,
# VP8/H264/Opus decoders, x264 and AAC encoders, driven from Python.
ensure_packages "programme mixer" python3-gst-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good \
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav

# When REDIS_URL points the platform at this machine's Redis, every acknowledged application must be
# on disk: turn on the append-only file with an fsync before each reply.
redis_conf=/etc/redis/redis.conf
if [ -w "$redis_conf" ] && ! { grep -qE '^appendonly yes' "$redis_conf" && grep -qE '^appendfsync always' "$redis_conf"; }; then
  say "  configuring the local Redis for durability ($redis_conf: appendonly yes, appendfsync always)"
  sed -i -E 's/^appendonly .*/appendonly yes/; s/^appendfsync .*/appendfsync always/' "$redis_conf"
  grep -qE '^appendonly yes' "$redis_conf" || echo 'appendonly yes' >>"$redis_conf"
  grep -qE '^appendfsync always' "$redis_conf" || echo 'appendfsync always' >>"$redis_conf"
fi

say "2/4 mediasoup worker"
WORKER_BIN="$(bash scripts/mediasoup-worker.sh)"

say "3/4 npm dependencies"
stamp=node_modules/.chunfeng-install
manifest_hash() { ls package-lock.json package.json */package.json 2>/dev/null | xargs cat | sha256sum | cut -c1-16; }
want="$(manifest_hash)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  say "  up to date"
else
  # With MEDIASOUP_WORKER_BIN set, mediasoup's postinstall neither downloads nor builds anything.
  if [ -f package-lock.json ]; then
    MEDIASOUP_WORKER_BIN="$WORKER_BIN" npm ci --no-audit --no-fund >&2
  else
    MEDIASOUP_WORKER_BIN="$WORKER_BIN" npm install --no-audit --no-fund >&2
  fi
  manifest_hash >"$stamp"
fi

say "4/4 linking the worker for run time"
mediasoup_dir="$(node -e 'console.log(require("path").dirname(require.resolve("mediasoup", { paths: [process.argv[1]] })).replace(/\/node\/lib$/, ""))' "$CHUNFENG_ROOT/server")"
mkdir -p "$mediasoup_dir/worker/out/Release"
ln -sfn "$WORKER_BIN" "$mediasoup_dir/worker/out/Release/mediasoup-worker"

say "setup done in $((SECONDS - started)) s"
