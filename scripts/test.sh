#!/usr/bin/env bash
# Install everything the tests need (Debian's IRC servers, .venv with the test
# extras) and run the whole suite. Arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/bootstrap.sh
ensure_debian_packages inspircd anope ngircd openssl postgresql
ensure_venv test
exec .venv/bin/python -m pytest "$@"
