#!/usr/bin/env bash
# Remote access: a read's round trip through the gateway (TLS, routing, the link's mailbox) against
# the same read sent straight to the controller, in one run (ratio). Uses the release build when
# there is one (swift build -c release --product bmgw), else the debug build.
# Usage: bash scripts/bench-remote-access.sh [reads]
set -euo pipefail
cd "$(dirname "$0")/.."
bmgw=.build/release/bmgw
# A release build older than the sources: the debug build then.
if [ ! -x "$bmgw" ] || [ -n "$(find Sources -newer "$bmgw" -name '*.swift' | head -1)" ]; then bmgw=.build/debug/bmgw; fi
reads=${1:-2000}
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sim=$(port); ra=$(port)
{
    echo "gateway: { id: bench-gw }"
    echo "dataDirectory: $dir/data"
    echo "log: { level: warning }"
    echo "acquisition: { pollInterval: 1s }"
    echo "simulator: { enabled: true, listen: 127.0.0.1:$sim, seed: 1 }"
    echo "remoteAccess: { listen: \"127.0.0.1:$ra\", requestsPerSecond: 1000 }"
    echo "ups: [ { id: u1, name: UPS 1 } ]"
    echo "strings:"
    for u in 1 2 3 4; do
        echo "  - { id: s$u, name: S$u, ups: u1, cells: 120, registerMap: bmc-v1, modbus: { tcp: { host: 127.0.0.1, port: $sim, unit: $u } } }"
    done
} > "$dir/g.yaml"
"$bmgw" remote-access issue -c "$dir/g.yaml" --name Bench --role Viewer --out "$dir/v.pem" > /dev/null
"$bmgw" run -c "$dir/g.yaml" > "$dir/gw.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $ra), 0.2)" 2>/dev/null && break
    sleep 0.1
done
echo "bmgw: $bmgw"
python3 scripts/peers/modbus-rtt.py --gateway-port "$ra" --controller-port "$sim" --ca "$dir/data/remote-access/ca.pem" \
    --cert "$dir/v.pem" --reads "$reads"
