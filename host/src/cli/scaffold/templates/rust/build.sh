#!/usr/bin/env bash
# Builds the plugin component: ./build.sh  ->  transformer.wasm in this folder.
set -euo pipefail
cd "$(dirname "$0")"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release --target wasm32-wasip2
cp "$CARGO_TARGET_DIR/wasm32-wasip2/release/__CRATE__.wasm" transformer.wasm
echo "wrote $PWD/transformer.wasm ($(wc -c < transformer.wasm) bytes)"
