#!/usr/bin/env bash
# One command for a fresh machine: install what the tests need, build, run every test, layer by layer:
#   unit        in-process, no peers (seconds);
#   end-to-end  suites tagged .endToEnd: whole gateways, real peers, the bmgw executable;
#   heavy       suites tagged .heavy (headless Chromium; a full-size plant of 3840 cells polled every
#               second), last and by themselves: on two cores either starves the timing of the others;
#   chaos       scripts/chaos.sh --quick: SIGKILLs with the broker down and during writes, hostile SNMP
#               and Modbus peers, mutated configuration files, a full disk, the wall clock stepped ±1 h
#               (counts, not timings; the hour-long soak is not in --quick);
#   scale       scripts/peers/scale.py --quick --check: the cost-curve benchmark runs at 2 and 4 strings and
#               prints a figure in every column (its figures are not judged: they are benchmarks);
#   package     the Debian package built from a release build and checked (scripts/test-package.sh).
# Each layer says how long it took; a failing layer stops the run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test
# The end-to-end tests run the bmgw executable, so build it before the tests.
start=$SECONDS
swift build --build-tests
echo "== build: $((SECONDS - start)) s"

# The layers come from the suites' tags (Tests/TestSupport/Tags.swift), as `--filter` regexes.
tagged=$(grep -rh "@Suite(.tags(.endToEnd" Tests)
names() { sed -nE 's/.* struct ([A-Za-z0-9_]+).*/\1/p' | paste -sd'|'; }
e2e=$(names <<<"$tagged"); heavy=$(grep '\.heavy' <<<"$tagged" | names); light=$(grep -v '\.heavy' <<<"$tagged" | names)
[ -n "$e2e" ] && [ -n "$heavy" ] && [ -n "$light" ] || { echo "no tagged suites found" >&2; exit 1; }

layer() {
    local name=$1; shift
    local t=$SECONDS
    swift test --skip-build "$@"
    echo "== $name: $((SECONDS - t)) s"
}
layer unit --skip "\.($e2e)/"
layer end-to-end --filter "\.($light)/"
layer heavy --filter "\.($heavy)/"
t=$SECONDS
python3 scripts/peers/chaos.py --bmgw .build/debug/bmgw --quick
echo "== chaos --quick: $((SECONDS - t)) s"
t=$SECONDS
python3 scripts/peers/scale.py --bmgw .build/debug/bmgw --quick --check --svg ""
echo "== scale --quick: $((SECONDS - t)) s"
bash scripts/test-package.sh
echo "== all tests: $((SECONDS - start)) s including the build"
