#!/usr/bin/env bash
# The VS Code extension's tests: type check, unit tests, the per-platform package carrying the
# given flowls binary (scripts/package-vscode), and the end-to-end test that installs that
# package into a real VS Code (code-server) in headless Chromium, with no flowls on PATH.
# Usage: scripts/test.sh <flowls binary>
set -euo pipefail
server="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
cd "$(dirname "$0")/.."
root="$(cd ../.. && pwd)"
npm ci --no-audit --no-fund --loglevel=error
npx tsc -p .
npm test
vsix="$("$root/scripts/package-vscode" linux-x64 "$server")"
scripts/install-e2e.sh
node scripts/e2e.js "$vsix" "$server" "$root/target/e2e"
