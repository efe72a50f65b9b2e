#!/usr/bin/env bash
# Install into .venv/ with the dev extras and run the whole test suite (lint and layers included).
# Tests use PostgreSQL at TEST_POSTGRES_URL/DATABASE_URL (default postgresql://postgres@127.0.0.1)
# and Redis at REDIS_URL (default redis://127.0.0.1:6379/0); with REQUIRE_SERVICES=1 a missing
# service fails the run instead of skipping its tests.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e ".[dev]"
.venv/bin/ruff check .
.venv/bin/lint-imports
.venv/bin/mypy mobility gtfs routing ticketing access_control services
exec .venv/bin/pytest -n 2 --dist loadfile "$@"
