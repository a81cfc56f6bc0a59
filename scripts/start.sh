#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to Chunfeng Live on http://localhost:3000.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CHUNFENG_ROOT"

bash scripts/setup.sh
say "building the client"
npm run build --silent >&2
say "starting Chunfeng Live on http://localhost:${PORT:-3000} (Ctrl+C stops it)"
DEMO_DATA="${DEMO_DATA:-true}" exec node --import tsx server/src/main.ts
