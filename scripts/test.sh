#!/usr/bin/env bash
# Run the whole test suite: lint, types, architecture contracts, then pytest twice:
#   1. every test; those taking `db_url`/`app` run on SQLite and on PostgreSQL, the
#      single-database ones (`single_url`/`single_app`) on SQLite;
#   2. the single-database tests again, on PostgreSQL (RIGHTHAND_TEST_DATABASE=postgresql).
# So every test that touches a database runs on both. Tests that need a server (PostgreSQL,
# Redis, Dovecot, Chromium...) skip with a reason when it is absent, and the second pass is
# skipped with a message when PostgreSQL is not reachable; with RIGHTHAND_REQUIRE_SERVERS=1
# (CI) both are failures instead. Three test processes suit a 2-core machine: many tests
# wait on servers and subprocesses (measured: -n 2 ~11 min, -n 3 ~10 min, -n 4 ~11 min).
set -e
source "$(dirname "$0")/_venv.sh"
.venv/bin/python -m pip install --quiet -e '.[dev,bench]'
.venv/bin/ruff check src tests benchmarks
.venv/bin/mypy
.venv/bin/lint-imports
workers="${RIGHTHAND_TEST_WORKERS:-3}"
.venv/bin/python -m pytest -n "$workers" "$@"
if [ "${RIGHTHAND_REQUIRE_SERVERS:-}" = "1" ] || .venv/bin/python -m tests.support.servers postgres; then
  # Exit status 5: the selection given holds no single-database test; nothing to run again.
  RIGHTHAND_TEST_DATABASE=postgresql .venv/bin/python -m pytest -n "$workers" "$@" || \
    { status=$?; [ "$status" -eq 5 ] || exit "$status"; }
else
  echo "Skipped the PostgreSQL pass: PostgreSQL is not reachable at" \
       "${RIGHTHAND_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres}" \
       "(start it, or set RIGHTHAND_TEST_POSTGRES_URL)."
fi
