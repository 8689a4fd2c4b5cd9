#!/usr/bin/env bash
# Install everything the tests need (Debian's IRC servers, Chromium and its
# driver for the published page's browser test, .venv with the test extras)
# and run the whole suite on three xdist workers, a test module at a time each (the
# integration modules share a network and bots per module; tests/conftest.py hands
# out the longest modules first). Arguments go to pytest (-n 0: in this process).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/bootstrap.sh
ensure_debian_packages inspircd anope ngircd openssl postgresql chromium chromium-driver
ensure_venv test
exec .venv/bin/python -m pytest -n 3 --dist loadfile --no-loadscope-reorder "$@"
