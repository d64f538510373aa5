#!/usr/bin/env bash
# The VS Code extension's tests: type check, unit tests, packaging, and the end-to-end test
# in a real VS Code (code-server) in headless Chromium. Usage: scripts/test.sh <flowls binary>
set -euo pipefail
server="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund --loglevel=error
npx tsc -p .
npm test
npm run package
scripts/install-e2e.sh
out="$(cd ../.. && pwd)/target/e2e"
node scripts/e2e.js dist/flowls.vsix "$server" "$out"
