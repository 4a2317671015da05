#!/usr/bin/env bash
# One command for a fresh machine: install what the tests need, build, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test
# The end-to-end tests run the bmgw executable, so build it before the tests.
swift build --build-tests
swift test --skip-build
