#!/usr/bin/env bash
# Install successbot into .venv and start its console on the embedded defaults
# (SQLite file successbot.db in the current directory). Arguments go to
# `successbot console`, e.g. --nick alice --channel '#dev'.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/bootstrap.sh
ensure_venv
exec .venv/bin/successbot console "$@"
