#!/usr/bin/env bash
# A fleet on an existing engine (docs/operations.md › Fleets): N gateways, each publishing to its own
# local mosquitto that bridges over TLS to a two-node RabbitMQ cluster (its MQTT plugin); one node is
# stopped and started again meanwhile; then every gateway's sequence numbers are checked at a
# subscriber on the cluster (scripts/peers/fleet.py). Figures, with PASS/FAIL on the counts.
#   scripts/fleet.sh [--gateways N] [--strings S] [--cells C] [--minutes M]
#                    [--outage SECONDS] [--queue-type mirrored|quorum|plain] [--stop-mode stop|kill] [--keep]
# Defaults: 4 gateways of 2 strings × 16 cells, 5 minutes, node a down 30 s, mirrored session queues.
# The RabbitMQ nodes run from a temporary folder on free loopback ports, not as the system service.
# BMGW=PATH: that binary; otherwise the package's build (.build-deb/release/bmgw) or .build/release/bmgw
# (nothing is built here: `swift build -c release --product bmgw` first).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --fleet
if [[ -n "${BMGW:-}" ]]; then
    bmgw=$BMGW
elif [[ -x .build-deb/release/bmgw ]]; then
    bmgw=.build-deb/release/bmgw
elif [[ -x .build/release/bmgw ]]; then
    bmgw=.build/release/bmgw
else
    echo "no bmgw binary: set BMGW=PATH or run: swift build -c release --product bmgw" >&2
    exit 1
fi
start=$SECONDS
python3 scripts/peers/fleet.py --bmgw "$bmgw" "$@"
echo "== fleet: $((SECONDS - start)) s"
