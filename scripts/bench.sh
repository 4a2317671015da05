#!/usr/bin/env bash
# Benchmarks at full size (32 strings × 120 cells). Prints figures; see docs/performance.md.
#   scripts/bench.sh            all parts, then the gateway's memory over 70 s of running
#   scripts/bench.sh tcp query  only those parts of `bmgw bench` (no memory run)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product bmgw >/dev/null
bin=.build/release/bmgw
"$bin" bench "$@"
[[ $# -gt 0 ]] && exit 0

# Gateway RSS: a separate simulator process, and the gateway alone polling it at full size.
work=$(mktemp -d)
trap 'kill $sim $gw 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" simulate --strings 32 --cells 120 --tcp "127.0.0.1:$port" --log-level warning >/dev/null &
sim=$!
sed -e "s/port: 15020/port: $port/" -e "s#dataDirectory: ../data#dataDirectory: $work/data#" \
    -e "s#registerMap: bmc-v1#registerMap: $PWD/config/registermaps/bmc-v1.yaml#" \
    -e '/^simulator:/,/^$/d' config/demo.yaml > "$work/gateway.yaml"
sleep 1
"$bin" run --config "$work/gateway.yaml" 2>"$work/gateway.log" &
gw=$!
sleep 70
rss=$(awk '/VmRSS/ {print $2}' /proc/$gw/status)
hwm=$(awk '/VmHWM/ {print $2}' /proc/$gw/status)
ticks=$(awk '{print $14 + $15}' /proc/$gw/stat)
cpu=$(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f s (%.1f %% of one core)", t / hz, 100 * t / hz / 70}')
ok=$("$bin" status --data "$work/data" --json | grep -o '"quality":"ok"' | wc -l)
echo
echo "Gateway process at full size after 70 s (separate simulator process, 1 s poll, 32 strings answering: $ok):"
echo "  RSS $((rss / 1024)) MB, peak $((hwm / 1024)) MB   (goal ≤ 64 MB); CPU used: $cpu"
