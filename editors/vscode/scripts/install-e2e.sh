#!/usr/bin/env bash
# Installs what the VS Code end-to-end test needs, from the package registries only:
# Debian's Chromium, code-server (VS Code in a browser) from npm with its native modules
# rebuilt here, and playwright-core. Everything goes under $E2E_HOME (default .e2e-cache/ at
# the repository root) and is reused when already there.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$here/../.." && pwd)"
E2E_HOME="${E2E_HOME:-$root/.e2e-cache}"
CS_VERSION=4.100.3
mkdir -p "$E2E_HOME"

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v rg >/dev/null 2>&1 || need_apt+=(ripgrep)
command -v make >/dev/null 2>&1 || need_apt+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
[ -e /usr/include/krb5.h ] || [ -e /usr/include/krb5/krb5.h ] || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing with apt: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

CS="$E2E_HOME/code-server"
if [ ! -x "$CS/bin/code-server" ] || ! "$CS/bin/code-server" --version 2>/dev/null | grep -q "^$CS_VERSION"; then
  echo "installing code-server $CS_VERSION"
  export npm_config_yes=true
  rm -rf "$CS"
  npm install -g --prefix "$CS" --ignore-scripts --no-audit --no-fund "code-server@$CS_VERSION" >/dev/null
  pkg="$CS/lib/node_modules/code-server"
  (cd "$pkg" && npm rebuild argon2 >/dev/null)
  cd "$pkg/lib/vscode"
  npm install --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null
  if [ -d node_modules/@vscode/ripgrep ] && [ ! -e node_modules/@vscode/ripgrep/bin/rg ]; then
    mkdir -p node_modules/@vscode/ripgrep/bin && cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
  fi
  npm rebuild >/dev/null 2>&1
  if grep -q symlink_asar "$pkg/postinstall.sh"; then ln -sfn node_modules node_modules.asar; fi
  (cd bin/remote-cli && ln -sfn code-linux.sh code-server)
  (cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
  (cd extensions && npm install --omit=dev --no-audit --no-fund >/dev/null)
  "$CS/bin/code-server" --version
fi

if [ ! -d "$E2E_HOME/playwright/node_modules/playwright-core" ]; then
  mkdir -p "$E2E_HOME/playwright"
  (cd "$E2E_HOME/playwright" && npm init -y >/dev/null && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund playwright-core@1.65.1 >/dev/null)
fi
echo "e2e tools ready in $E2E_HOME"
