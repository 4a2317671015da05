#!/usr/bin/env bash
# Prometheus /metrics at full size (32 strings × 120 cells, the embedded simulator): scrape time and
# size without and with every cell's series, against the web server's smallest page (/static/app.css)
# in the same run, over the same HTTPS connection setup (ratio). Uses the release build when there is
# one newer than the sources (swift build -c release --product bmgw), else the debug build.
# Usage: bash scripts/bench-metrics.sh [scrapes]
set -euo pipefail
cd "$(dirname "$0")/.."
bmgw=.build/release/bmgw
if [ ! -x "$bmgw" ] || [ -n "$(find Sources -newer "$bmgw" -name '*.swift' | head -1)" ]; then bmgw=.build/debug/bmgw; fi
scrapes=${1:-30}
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
token=bench-metrics-token-0123456789
echo "bmgw: $bmgw"
for cells in false true; do
    sim=$(port); web=$(port)
    {
        echo "gateway: { id: bench-gw }"
        echo "dataDirectory: $dir/data-$cells"
        echo "log: { level: warning }"
        echo "acquisition: { pollInterval: 1s }"
        echo "simulator: { enabled: true, listen: 127.0.0.1:$sim, seed: 1 }"
        echo "web: { listen: \"127.0.0.1:$web\", redirectFrom: \"\", metrics: { token: $token, cells: $cells } }"
        echo "ups: [ { id: u1, name: UPS 1 }, { id: u2, name: UPS 2 } ]"
        echo "strings:"
        for n in $(seq 32); do
            echo "  - { id: s$n, name: S$n, ups: u$(( (n - 1) / 16 + 1 )), cells: 120, registerMap: bmc-v1, modbus: { tcp: { host: 127.0.0.1, port: $sim, unit: $n } } }"
        done
    } > "$dir/g-$cells.yaml"
    "$bmgw" run -c "$dir/g-$cells.yaml" > "$dir/gw-$cells.log" 2>&1 &
    pid=$!
    # Until every string has been read once.
    for _ in $(seq 300); do
        up=$(curl -sk -H "Authorization: Bearer $token" "https://127.0.0.1:$web/metrics" 2>/dev/null | grep -c '^bmgw_string_up{.*} 1' || true)
        [ "$up" = 32 ] && break
        sleep 0.2
    done
    python3 - "$web" "$token" "$scrapes" "$cells" <<'PY'
import ssl, statistics, sys, time, http.client
port, token, n, cells = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
ctx = ssl._create_unverified_context()
def fetch(path):
    # A new connection each time, as Prometheus' scrapes of a single target mostly are not kept warm.
    c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=30)
    t = time.perf_counter()
    c.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    body = c.getresponse().read()
    dt = time.perf_counter() - t
    c.close()
    return dt, body
series, size = 0, 0
metrics, static = [], []
for _ in range(n):  # alternating, so both see the same machine load
    dt, body = fetch("/metrics"); metrics.append(dt)
    series = sum(1 for l in body.split(b"\n") if l and not l.startswith(b"#")); size = len(body)
    dt, _ = fetch("/static/app.css"); static.append(dt)
m, s = statistics.median(metrics), statistics.median(static)
print(f"cells: {cells:5}  series {series:6}  {size/1024:7.1f} KiB  /metrics median {m*1000:7.1f} ms (p90 {sorted(metrics)[int(n*0.9)-1]*1000:.1f})"
      f"  /static/app.css {s*1000:5.1f} ms  ratio {m/s:5.1f}")
PY
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
done
