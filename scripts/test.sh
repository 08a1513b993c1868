#!/usr/bin/env bash
# Run the whole test suite: lint, types, architecture contracts, then pytest.
# Tests that need a server (PostgreSQL, Redis, ...) skip with a reason when it is absent;
# with RIGHTHAND_REQUIRE_SERVERS=1 (CI) they fail instead.
source "$(dirname "$0")/_venv.sh"
.venv/bin/python -m pip install --quiet -e '.[dev,bench]'
.venv/bin/ruff check src tests benchmarks
.venv/bin/mypy
.venv/bin/lint-imports
.venv/bin/python -m pytest -n 2 "$@"
