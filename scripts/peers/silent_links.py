#!/usr/bin/env python3
"""Thread per link against a pool of poll threads when controllers fall silent (issue 18 item 2,
docs/performance.md): one gateway with its built-in simulator's 8 strings and 8 controllers that
accept the connection and never answer (chaos.py's acquisition settings: poll 1 s, timeout 500 ms);
the healthy strings' sample age from `bmgw status`, read every 0.25 s for 40 s after 8 s. Set
BMGW_MEASURE_POLL_THREADS=K for the pool (measurement only).

  silent_links.py --bmgw PATH
"""
import argparse
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import chaos


def silent_controller():
    """A port that accepts connections and never answers; the accepted sockets are kept open."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held = []

    def accept():
        while True:
            held.append(server.accept())

    threading.Thread(target=accept, daemon=True).start()
    return server.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bmgw", required=True)
    parser.add_argument("--healthy", type=int, default=8)
    parser.add_argument("--silent", type=int, default=8)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="bmgw-silent-")
    try:
        ports = [silent_controller() for _ in range(args.silent)]
        mute = "".join(f"  - {{ id: mute{k + 1}, ups: u1, cells: 24, modbus: {{ tcp: {{ host: 127.0.0.1, port: {p}, unit: 1 }} }} }}\n"
                       for k, p in enumerate(ports))
        # The silent links first: link n goes to pool thread n mod K, so each thread gets both kinds.
        text = chaos.plant_config(f"{work}/data", chaos.free_port(), args.healthy, 24).replace("strings:\n", "strings:\n" + mute)
        config = f"{work}/g.yaml"
        with open(config, "w") as f:
            f.write(text)
        gw = chaos.Gateway(args.bmgw, config, f"{work}/gateway.log")
        time.sleep(8)
        ages = []
        end = time.time() + 40
        while time.time() < end:
            out = subprocess.run([args.bmgw, "status", "--config", config], capture_output=True, text=True).stdout
            ages += [float(m.group(1)) for m in re.finditer(r"^s\d+\s+\S+\s+\S+\s+([0-9.]+)s\s", out, re.M)]
            time.sleep(0.25)
        gw.stop()
        if not ages:
            raise SystemExit("no sample ages read: " + open(f"{work}/gateway.log", errors="replace").read()[-500:])
        ages.sort()
        at = lambda p: ages[min(len(ages) - 1, int(p * len(ages)))]
        print(f"poll threads: {os.environ.get('BMGW_MEASURE_POLL_THREADS') or 'one per link'}; {args.silent} silent controllers; "
              f"{len(ages)} sample ages of {args.healthy} healthy strings: median {at(0.5):.2f} s, p95 {at(0.95):.2f} s, max {ages[-1]:.2f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
