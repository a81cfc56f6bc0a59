# Shared helpers for the setup scripts. Sourced, never run.

CHUNFENG_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHUNFENG_CACHE_DIR="${CHUNFENG_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/chunfeng-live}"

say() { printf '\033[1;32m[chunfeng]\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33m[chunfeng]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[chunfeng] error:\033[0m %s\n' "$*" >&2; exit 1; }

# Prints the Debian packages among "$@" that are not installed.
missing_packages() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || printf '%s ' "$pkg"
  done
}

APT_UPDATED=0
# Installs Debian packages that are missing; when not root, says the command to run and fails.
ensure_packages() {
  local why="$1"; shift
  local missing
  missing="$(missing_packages "$@")"
  [ -z "$missing" ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    die "missing packages ($why): $missing — this script installs them with apt on Debian/Ubuntu; install the equivalents by hand."
  fi
  if [ "$(id -u)" -ne 0 ]; then
    die "missing packages ($why). Run as root, then try again:
    sudo apt-get update && sudo apt-get install -y $missing"
  fi
  say "installing Debian packages ($why): $missing"
  if [ "$APT_UPDATED" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || die "apt-get update failed"
    APT_UPDATED=1
  fi
  # With recommends: the configuration verified here (Chromium headless, fonts, ffmpeg codecs).
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >&2 \
    || die "apt-get install failed for: $missing"
}

# The mediasoup version the project pins (the lockfile wins once it exists).
mediasoup_version() {
  node -e '
    const fs = require("fs");
    const root = process.argv[1];
    try {
      const lock = JSON.parse(fs.readFileSync(root + "/package-lock.json", "utf8"));
      const v = lock.packages?.["node_modules/mediasoup"]?.version;
      if (v) { console.log(v); process.exit(0); }
    } catch {}
    const pkg = JSON.parse(fs.readFileSync(root + "/server/package.json", "utf8"));
    console.log(pkg.dependencies.mediasoup.replace(/^[^0-9]*/, ""));
  ' "$CHUNFENG_ROOT"
}
