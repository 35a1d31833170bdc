#!/usr/bin/env bash
# Builds transformer.wasm (the plugin component) in this folder.
set -euo pipefail
cd "$(dirname "$0")"

# Install the build tools into ./node_modules, exactly as package-lock.json
# pins them; skipped when they are already installed from the current lock.
if [ ! -f package-lock.json ]; then
  npm install --no-audit --no-fund
elif [ ! -f node_modules/.package-lock.json ] \
  || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# src/transformer.js -> transformer.wasm
node build.mjs
