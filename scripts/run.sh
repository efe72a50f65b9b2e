#!/usr/bin/env bash
# Install into .venv/ and run the API on the embedded default: SQLite in var/, in-process Redis,
# the bundled sample feed imported on first start, http://127.0.0.1:8000 (docs at /docs).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e .
.venv/bin/mobility db upgrade
exec .venv/bin/mobility serve "$@"
