#!/usr/bin/env bash
# The fault-and-load suite (docs/operations.md › What it survives): real bmgw processes against real
# peers, each part printing what it counted (scripts/peers/chaos.py). Not part of the tests' pass
# or fail by timing: figures, with PASS/FAIL on the counts.
#   scripts/chaos.sh [--quick] [--only broker,replay,writes,snmp,modbus,configs,diskfull,clock,soak] [--soak-minutes M]
# --quick: smaller counts (CI runs it, with the debug build the tests use); without it, the release
# build and the issue's sizes (10 kills with the broker down, 100 kills at 32 × 120, 10 000 SNMP
# datagrams, 10 000 Modbus answers, 500 configuration files, 75 s phases of the clock stepped ±1 h
# with libfaketime, a 60-minute soak at 32 × 120 with the web UI). --quick leaves the soak out
# (`--quick --only soak` runs it for 2 minutes); --soak-minutes M: its length. BMGW=PATH: that binary, no build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test
if [[ -n "${BMGW:-}" ]]; then
    bmgw=$BMGW   # e.g. the package's static build: BMGW=.build-deb/release/bmgw scripts/chaos.sh
elif [[ " $* " == *" --quick "* ]]; then
    swift build --product bmgw >/dev/null
    bmgw=.build/debug/bmgw
else
    swift build -c release --product bmgw >/dev/null
    bmgw=.build/release/bmgw
fi
start=$SECONDS
python3 scripts/peers/chaos.py --bmgw "$bmgw" "$@"
echo "== chaos: $((SECONDS - start)) s"
