#!/usr/bin/env bash
# Provides a mediasoup-worker binary that runs on this machine and prints its path on stdout.
#
# Order: a cached binary (keyed by mediasoup version, OS, kernel major and this recipe's hash) →
# mediasoup's prebuilt binary when it can be downloaded → a build from the npm tarball with
# Debian's toolchain and libraries (about 8 minutes on 2 cores). Everything it says goes to stderr.
# Environment: CHUNFENG_CACHE_DIR (cache root), CHUNFENG_SKIP_PREBUILT=1 (never try the download).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RECIPE_DIR="$CHUNFENG_ROOT/scripts/mediasoup"
VERSION="$(mediasoup_version)"
[ -n "$VERSION" ] || die "could not tell which mediasoup version the project pins"
KERNEL_MAJOR="$(uname -r | cut -d. -f1)"
ARCH="$(node -p 'process.arch')"
# The build recipe's revision: bump it when build_from_source changes what it produces. Together with a
# hash of the shims and compat headers it keys the cache, so a stale build is never reused.
RECIPE_REVISION=1
RECIPE_HASH="$( (echo "$RECIPE_REVISION"; find "$RECIPE_DIR" -type f | LC_ALL=C sort | xargs cat) | sha256sum | cut -c1-12)"
KEY="${VERSION}-linux-${ARCH}-kernel${KERNEL_MAJOR}-${RECIPE_HASH}"
CACHE="$CHUNFENG_CACHE_DIR/mediasoup-worker"
BIN="$CACHE/$KEY/mediasoup-worker"

BUILD_PACKAGES=(g++ pkg-config meson ninja-build libssl-dev libuv1-dev libsrtp2-dev libusrsctp-dev
  libabsl-dev libflatbuffers-dev flatbuffers-compiler liburing-dev)

# A worker is usable when its libraries resolve and, started without MEDIASOUP_VERSION, it exits
# with 41: the check mediasoup itself applies to a prebuilt binary.
worker_runs() {
  local bin="$1" status=0
  [ -x "$bin" ] || return 1
  if ldd "$bin" 2>/dev/null | grep -q 'not found'; then return 1; fi
  env -i "$bin" >/dev/null 2>&1 || status=$?
  [ "$status" -eq 41 ]
}

try_prebuilt() {
  [ "${CHUNFENG_SKIP_PREBUILT:-0}" = 1 ] && return 1
  local tmp url
  tmp="$(mktemp -d "$CACHE/prebuilt.XXXXXX")"
  url="$(node -e '
    const pkg = { version: process.argv[1] };
    const base = process.env.MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL
      || "https://github.com/versatica/mediasoup/releases/download";
    console.log(`${base}/${pkg.version}/mediasoup-worker-${pkg.version}-linux-${process.arch}-kernel${process.argv[2]}.tgz`);
  ' "$VERSION" "$KERNEL_MAJOR")"
  say "trying mediasoup's prebuilt worker ($url)"
  if node -e '
      const [url, out] = process.argv.slice(1);
      fetch(url, { signal: AbortSignal.timeout(30000) })
        .then(async (res) => {
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
          require("fs").writeFileSync(out, Buffer.from(await res.arrayBuffer()));
        })
        .catch((e) => { console.error(`  not available: ${e.cause?.code ?? e.message}`); process.exit(1); });
    ' "$url" "$tmp/worker.tgz" \
    && tar -xzf "$tmp/worker.tgz" -C "$tmp" \
    && worker_runs "$tmp/mediasoup-worker"; then
    mkdir -p "$(dirname "$BIN")"
    mv "$tmp/mediasoup-worker" "$BIN.tmp" && mv "$BIN.tmp" "$BIN"
    rm -rf "$tmp"
    return 0
  fi
  rm -rf "$tmp"
  return 1
}

# Runs ninja and turns its "[done/total]" lines into a progress line every 5%.
ninja_with_progress() {
  local target="$1" log="$2" started=$SECONDS
  NINJA_STATUS='[%f/%t] ' ninja -C build "$target" >>"$log" 2>&1 &
  local pid=$! last=-1 pct
  while kill -0 "$pid" 2>/dev/null; do
    sleep 5
    pct="$(grep -oE '^\[[0-9]+/[0-9]+\]' "$log" | tail -n1 | tr -d '[]' | awk -F/ '$2>0 {printf "%d", 100*$1/$2}')"
    if [ -n "$pct" ] && [ $((pct / 5)) -gt $((last / 5)) ]; then
      say "  building $target: ${pct}% ($((SECONDS - started)) s)"
      last=$pct
    fi
  done
  wait "$pid"
}

build_from_source() {
  ensure_packages "to build the mediasoup worker" "${BUILD_PACKAGES[@]}"
  local work log src
  rm -rf "$CACHE"/build-*  # what an earlier failed build left
  work="$(mktemp -d "$CACHE/build-$VERSION.XXXXXX")"
  log="$work/build.log"
  trap 'warn "the build failed; its log is kept at $log"; tail -n 40 "$log" >&2 || true' ERR
  say "building mediasoup-worker $VERSION from the npm tarball (takes about 8 minutes on 2 cores; log: $log)"
  (cd "$work" && npm pack --silent "mediasoup@$VERSION" >>"$log" 2>&1) || die "npm pack mediasoup@$VERSION failed (see $log)"
  tar -xzf "$work/mediasoup-$VERSION.tgz" -C "$work"
  src="$work/package/worker"

  # Debian 12 has meson 1.0.1; the worker builds with it once the version floor is relaxed.
  grep -q "meson_version: '>= 1.1.0'" "$src/meson.build" \
    || die "mediasoup $VERSION: meson_version line not found in worker/meson.build; update scripts/mediasoup-worker.sh"
  sed -i "s/meson_version: '>= 1.1.0'/meson_version: '>= 1.0.0'/" "$src/meson.build"

  # Without this the worker dies (SIGSEGV in SSL_read) on the first DTLS handshake: Debian's OpenSSL
  # has kernel TLS, and mediasoup's BIO callback, comparing the whole operation word, answers 1 to
  # every control query, so OpenSSL believes kTLS send is on and never allocates its write buffer.
  local dtls="$src/src/RTC/DtlsTransport.cpp"
  grep -q '(operationType == BIO_CB_RETURN)' "$dtls" \
    || die "mediasoup $VERSION: the DTLS BIO callback pattern was not found in DtlsTransport.cpp; the required patch cannot be applied — check whether upstream fixed it and update scripts/mediasoup-worker.sh"
  sed -i 's/(operationType == BIO_CB_RETURN)/(operationType \& BIO_CB_RETURN)/' "$dtls"

  # Replace the subprojects meson would download with shims over Debian's libraries.
  rm -f "$src"/subprojects/*.wrap
  cp -r "$RECIPE_DIR"/subprojects/. "$src/subprojects/"

  say "  configuring (meson)"
  (cd "$src" && meson setup build --wrap-mode=nodownload --buildtype release -Db_ndebug=true >>"$log" 2>&1) \
    || die "meson setup failed (see $log)"
  # The generated FlatBuffers headers must exist before any C++ file compiles.
  (cd "$src" && ninja_with_progress fbs/FBS "$log") || die "generating FlatBuffers headers failed (see $log)"
  (cd "$src" && ninja_with_progress mediasoup-worker "$log") || die "compiling mediasoup-worker failed (see $log)"

  worker_runs "$src/build/mediasoup-worker" || die "the freshly built worker does not run (see $log)"
  mkdir -p "$(dirname "$BIN")"
  strip "$src/build/mediasoup-worker" -o "$BIN.tmp"
  mv "$BIN.tmp" "$BIN"
  trap - ERR
  rm -rf "$work"
}

main() {
  mkdir -p "$CACHE"
  if worker_runs "$BIN"; then
    say "mediasoup-worker $VERSION: cached at $BIN"
    echo "$BIN"
    return
  fi
  # One build at a time per cache; whoever waited finds the finished binary.
  exec 9>"$CACHE/.lock"
  if ! flock -n 9; then
    say "another setup is building the mediasoup worker; waiting for it"
    flock 9
  fi
  if ! worker_runs "$BIN"; then
    rm -rf "$(dirname "$BIN")"
    try_prebuilt || build_from_source
  fi
  worker_runs "$BIN" || die "no working mediasoup-worker at $BIN"
  say "mediasoup-worker $VERSION ready at $BIN"
  echo "$BIN"
}

main
