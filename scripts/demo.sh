#!/usr/bin/env bash
# Set everything up and run the main job on the embedded default (SQLite, no servers).
source "$(dirname "$0")/_venv.sh"
.venv/bin/python -m pip install --quiet -e .
R=.venv/bin/righthand
say() { printf '\n\033[1m$ righthand %s\033[0m\n' "$*"; }
say demo; $R demo
say ask "\"What's on my calendar today, Jane?\""; $R ask "What's on my calendar today, Jane?"
say ask "\"Add Sue Park, sue@example.com, to the newsletter list\""
$R ask "Add Sue Park, sue@example.com, to the newsletter list"
say phase set III; $R phase set III
say ask "\"What's on my calendar today, Jane?\""; $R ask "What's on my calendar today, Jane?"
say audit verify; $R audit verify
printf '\nThe demo workspace stays in place: try `.venv/bin/righthand --help`.\n'
