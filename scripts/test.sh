#!/usr/bin/env bash
# One command for a fresh machine: install what the tests need, build, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test
# The end-to-end tests run the bmgw executable, so build it before the tests.
swift build --build-tests
# The two heaviest suites (headless Chromium; a full-size plant of 3840 cells polled every second) run
# after the rest and by themselves: on two cores, either starves the timing of the others.
heavy="WebBrowserTests|SNMPFullSizeTests"
swift test --skip-build --skip "$heavy"
swift test --skip-build --filter "$heavy"
