#!/usr/bin/env bash
# Builds transformer.wasm from app.py. Needs python3 (3.10+) and access to PyPI
# the first time; everything it installs stays in ./.venv (gitignored).
set -euo pipefail
cd "$(dirname "$0")"

# 1. A private virtualenv holding the pinned componentize-py (see requirements.txt).
if [ ! -x .venv/bin/python ]; then
    "${PYTHON:-python3}" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt

# 2. Compile: bundle CPython + app.py into a component of the `transformer` world.
#    The Python bindings (module `wit_world`) are generated on the fly from the WIT;
#    -p adds the kit (package kait_plugin) to the module path.
.venv/bin/componentize-py -d ../../wit -w transformer componentize app \
    -p . -p ../../kits/python -o transformer.wasm

ls -l transformer.wasm
