#!/usr/bin/env bash
# Set everything up, run the main job on the embedded default (SQLite, no servers), and end with
# the web console serving the demo office at http://127.0.0.1:8000 (the login is printed), with a
# background worker beside it (mail screening, held and scheduled sends, the daily jobs).
# The console starts when standard input is a terminal; RIGHTHAND_DEMO_SERVE=1 (or --serve)
# forces it, RIGHTHAND_DEMO_SERVE=0 (or --no-serve) skips it -- so CI and tests never block.
# RIGHTHAND_DEMO_PORT picks another port; RIGHTHAND_DEMO_INSTALL=0 skips the pip step (the test
# of this script runs it beside other tests, which must not see the package reinstalled).
SERVE="${RIGHTHAND_DEMO_SERVE:-auto}"
PORT="${RIGHTHAND_DEMO_PORT:-8000}"
for arg in "$@"; do
  case "$arg" in --no-serve) SERVE=0 ;; --serve) SERVE=1 ;; esac
done
source "$(dirname "$0")/_venv.sh"
if [ "${RIGHTHAND_DEMO_INSTALL:-1}" != 0 ]; then .venv/bin/python -m pip install --quiet -e .; fi
R=.venv/bin/righthand
say() { printf '\n\033[1m$ righthand %s\033[0m\n' "$*"; }
say demo; $R demo
say ask "\"What's on my calendar today, Jane?\""; $R ask "What's on my calendar today, Jane?"
say ask "\"Add Sue Park, sue@example.com, to the newsletter list\""
$R ask "Add Sue Park, sue@example.com, to the newsletter list"
say phase set II; $R phase set II
say mail poll; $R mail poll
say mail inbox; $R mail inbox
say ask "\"Email Bob Miller that the inspection report is in\""
$R ask "Email Bob Miller that the inspection report is in"
say phase set III; $R phase set III
say ask "\"What's on my calendar today, Jane?\""; $R ask "What's on my calendar today, Jane?"
say audit verify; $R audit verify
say users add pat --workspace demo --role owner --generate-password
PASSWORD=$($R users add pat --workspace demo --role owner --display-name "Pat Lee" \
  --generate-password --exist-ok --quiet)
printf 'The web console login: user pat, password %s\n' "$PASSWORD"
printf '\nThe demo workspace stays in place: try `.venv/bin/righthand --help`.\n'
if [ "$SERVE" = 1 ] || { [ "$SERVE" = auto ] && [ -t 0 ]; }; then
  say serve
  printf 'Open http://127.0.0.1:%s and sign in as pat, password %s (Ctrl+C stops it).\n' \
    "$PORT" "$PASSWORD"
  # The worker does what the pages queue: it sends approved mail (to .eml files in the data
  # folder: no SMTP server is configured), screens new mail and runs the periodic jobs.
  WORKER_LOG=$(mktemp -t righthand-worker.XXXXXX.log)
  $R worker >"$WORKER_LOG" 2>&1 &
  WORKER=$!
  trap 'kill -TERM "$WORKER" 2>/dev/null; wait "$WORKER" 2>/dev/null' EXIT
  printf 'A background worker runs beside it (pid %s, log: %s).\n' "$WORKER" "$WORKER_LOG"
  $R serve --host 127.0.0.1 --port "$PORT"
  exit $?
fi
printf 'Open the web console with `.venv/bin/righthand serve`, then http://127.0.0.1:8000 '
printf '(user pat, password %s);\nrun `.venv/bin/righthand worker` beside it for sending, screening ' "$PASSWORD"
printf 'and the daily jobs.\n'
