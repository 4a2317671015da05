#!/usr/bin/env bash
# Benchmarks at full size (32 strings × 120 cells). Prints figures; see docs/performance.md.
#   scripts/bench.sh            all parts, then the gateway's memory over 120 s of running (start-up pages released at 60 s)
#   scripts/bench.sh tcp query  only those parts of `bmgw bench` (no memory run)
#   scripts/bench.sh memory     only the memory runs
#   scripts/bench.sh latency    only the end-to-end alarm latency (trap, MQTT, e-mail; scripts/peers/latency.py)
#   scripts/bench.sh scale      only the cost curves at 8…128 strings (scripts/peers/scale.py; --quick, --sizes, --json FILE)
#   BMGW=PATH scripts/bench.sh  that binary (e.g. the Debian package's static build, .build-deb/release/bmgw)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --bench
if [[ -n "${BMGW:-}" ]]; then
    bin=$BMGW
else
    swift build -c release --product bmgw >/dev/null
    bin=.build/release/bmgw
fi
# Alarm latency: its own simulator, gateway and receivers (snmptrapd, mosquitto, SMTP sink), nothing below.
if [[ "${1:-}" == latency ]]; then
    exec python3 scripts/peers/latency.py --bmgw "$bin" "${@:2}"
fi
# Cost against plant size: a simulator and a gateway per size (past 32 with BMGW_MEASURE_MAX_STRINGS), nothing below.
if [[ "${1:-}" == scale ]]; then
    exec python3 scripts/peers/scale.py --bmgw "$bin" "${@:2}"
fi
work=$(mktemp -d)
sim="" gw="" broker=""
trap 'kill $sim $gw $broker 2>/dev/null || true; [[ -f $work/snmpd.pid ]] && kill $(cat $work/snmpd.pid) 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A local mosquitto for the MQTT part (outbox replay vs a bare libmosquitto publisher).
mqtt_port=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n' "$mqtt_port" > "$work/mosquitto.conf"
mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
broker=$!
sleep 0.5
if [[ "${1:-}" != memory ]]; then
    "$bin" bench --broker "127.0.0.1:$mqtt_port" "$@"
    [[ $# -gt 0 ]] && exit 0
fi

# Gateway RSS: a separate simulator process, and the gateway alone polling it at full size; first
# without the web UI (comparable with earlier figures), then with it (one page fetched).
port=$(free_port)
snmp_port=$(free_port)
web_port=$(free_port)
# The simulator runs from a copy: sharing the gateway's executable would share its code pages, which
# the gateway gives back a minute after start only where they are its own (as on an appliance).
cp "$bin" "$work/bmgw-simulator"
"$work/bmgw-simulator" simulate --strings 32 --cells 120 --tcp "127.0.0.1:$port" --log-level warning >/dev/null &
sim=$!
sed -e "s/port: 15020/port: $port/" -e "s#dataDirectory: ../data#dataDirectory: $work/data#" \
    -e "s#registerMap: bmc-v1#registerMap: $PWD/config/registermaps/bmc-v1.yaml#" \
    -e "s#listen: udp:127.0.0.1:1161#listen: udp:127.0.0.1:$snmp_port#" \
    -e "s#listen: 127.0.0.1:8443#listen: 127.0.0.1:$web_port#" -e "s#redirectFrom: 127.0.0.1:8080#redirectFrom: \"\"#" \
    -e '/^simulator:/,/^$/d' config/demo.yaml > "$work/gateway-web.yaml"
sed -e '/^web:/,/^$/d' "$work/gateway-web.yaml" > "$work/gateway.yaml"
sleep 1
measure() {  # $1 config, $2 label
    "$bin" run --config "$1" 2>"$work/gateway.log" &
    gw=$!
    sleep 5
    curl -s --cacert "$work/data/web-cert.pem" "https://127.0.0.1:$web_port/login" >/dev/null 2>&1 || true
    sleep 85
    # Used again after the release at 60 s, as an operator and an NMS would: their code is mapped anew.
    curl -s --cacert "$work/data/web-cert.pem" "https://127.0.0.1:$web_port/login" >/dev/null 2>&1 || true
    snmpbulkwalk -v2c -c public -Cr50 "127.0.0.1:$snmp_port" 1.3.6.1.4.1.32473 >/dev/null 2>&1 || true
    sleep 30
    local rss hwm anon ticks cpu ok
    rss=$(awk '/VmRSS/ {print $2}' /proc/$gw/status)
    hwm=$(awk '/VmHWM/ {print $2}' /proc/$gw/status)
    anon=$(awk '/RssAnon/ {print $2}' /proc/$gw/status)
    ticks=$(awk '{print $14 + $15}' /proc/$gw/stat)
    cpu=$(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f s (%.1f %% of one core)", t / hz, 100 * t / hz / 120}')
    ok=$("$bin" status --data "$work/data" --json | grep -o '"quality":"ok"' | wc -l)
    echo
    echo "Gateway process at full size after 120 s, $2 (separate simulator process, 1 s poll, 32 strings answering: $ok):"
    grep 'start-up pages released' "$work/gateway.log" | grep -o 'residentMB=[0-9]* → [0-9]*' | sed 's/^/  start-up pages released at 60 s: /' || true
    echo "  RSS $((rss / 1024)) MB (anonymous $((anon / 1024)) MB, the rest mapped code), peak $((hwm / 1024)) MB   (goal ≤ 64 MB); CPU used: $cpu"
    kill "$gw"; wait "$gw" 2>/dev/null || true
    gw=""
}
measure "$work/gateway.yaml" "SNMP agent, no web UI"
measure "$work/gateway-web.yaml" "SNMP agent and web UI"
[[ "${1:-}" == memory ]] && exit 0
# The SNMP part below walks a running gateway.
"$bin" run --config "$work/gateway.yaml" 2>"$work/gateway.log" &
gw=$!
sleep 5

# SNMP: the whole BTMS MIB with snmpbulkwalk -Cr50, and net-snmp's own snmpd tree (default modules)
# walked the same way in the same run; then GET round trips (snmpget processes) against both.
if command -v snmpbulkwalk >/dev/null && [[ -x /usr/sbin/snmpd ]]; then
    ref_port=$(free_port)
    printf 'rocommunity public 127.0.0.1\n' > "$work/snmpd.conf"
    /usr/sbin/snmpd -Lf "$work/snmpd.log" -C -c "$work/snmpd.conf" -p "$work/snmpd.pid" "udp:127.0.0.1:$ref_port"
    sleep 1
    walk() {  # prints "varbinds seconds" of the fastest of 5 walks
        local best="" n=0
        for _ in 1 2 3 4 5; do
            local t0 t1
            t0=$(date +%s%N); n=$(snmpbulkwalk -v2c -c public -Cr50 -On "127.0.0.1:$1" "$2" | wc -l); t1=$(date +%s%N)
            local d=$(( t1 - t0 ))
            [[ -z "$best" || $d -lt $best ]] && best=$d
        done
        echo "$n $best"
    }
    read -r ours_n ours_ns < <(walk "$snmp_port" .1.3.6.1.4.1.32473)
    read -r ref_n ref_ns < <(walk "$ref_port" .1)
    median_get() {
        local times=()
        for _ in $(seq 1 31); do
            local t0 t1
            t0=$(date +%s%N); snmpget -v2c -c public "127.0.0.1:$1" "$2" >/dev/null; t1=$(date +%s%N)
            times+=($(( (t1 - t0) / 1000 )))
        done
        printf '%s\n' "${times[@]}" | sort -n | sed -n 16p
    }
    ours_get=$(median_get "$snmp_port" .1.3.6.1.4.1.32473.1.4.1.2.16.60)
    ref_get=$(median_get "$ref_port" .1.3.6.1.2.1.1.3.0)
    awk -v on="$ours_n" -v ons="$ours_ns" -v rn="$ref_n" -v rns="$ref_ns" -v og="$ours_get" -v rg="$ref_get" 'BEGIN {
        o = on / (ons / 1e9); r = rn / (rns / 1e9)
        printf "\nSNMP snmpbulkwalk -Cr50 (best of 5, client start-up included):\n"
        printf "  gateway, whole BTMS MIB: %d varbinds in %.3f s = %.0f varbinds/s\n", on, ons / 1e9, o
        printf "  snmpd, its own tree:     %d varbinds in %.3f s = %.0f varbinds/s\n", rn, rns / 1e9, r
        printf "  ratio gateway / snmpd: %.2f   (goal >= 1.0)\n", o / r
        printf "  median snmpget round trip (31 processes, start-up included): gateway %.1f ms, snmpd %.1f ms\n", og / 1000, rg / 1000
    }'
fi
