#!/usr/bin/env bash
# Builds transformer.wasm from app.py. Needs python3 (3.10+) and PyPI the first
# time; what it installs stays in ./.venv.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -x .venv/bin/python ]; then
    "${PYTHON:-python3}" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt

# CPython + app.py + plugin.py + the kit (kait_plugin, by -p) -> one component.
.venv/bin/componentize-py -d wit -w transformer componentize app \
    -p . -p "__KIT__" -o transformer.wasm
echo "wrote $PWD/transformer.wasm ($(wc -c < transformer.wasm) bytes)"
