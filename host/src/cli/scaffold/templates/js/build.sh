#!/usr/bin/env bash
# Builds transformer.wasm (the plugin component) in this folder.
set -euo pipefail
cd "$(dirname "$0")"

# The build tools, into ./node_modules: npm install the first time (it writes
# package-lock.json), then exactly what package-lock.json pins.
if [ ! -f package-lock.json ]; then
  npm install --prefer-offline --no-audit --no-fund
elif [ ! -f node_modules/.package-lock.json ] \
  || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --prefer-offline --no-audit --no-fund
fi

# src/transformer.js (and what it imports) -> dist/transformer.js -> transformer.wasm
node build.mjs
