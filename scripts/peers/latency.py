#!/usr/bin/env python3
"""End-to-end alarm latency (scripts/bench.sh latency): a cell-voltage crossing injected with a Modbus
write into a separate `bmgw simulate`, timed from the write's acknowledgement to its arrival at a real
snmptrapd (v2c trap), a real mosquitto (mosquitto_sub on <prefix>/alarms) and an SMTP sink
(smtp_sink.py), then undone and the clear timed the same way. All receivers run on this host and
every time is time.time().

  latency.py --bmgw PATH [--cycles 50] [--strings 32] [--cells 24] [--batch-window 60] [--poll 1] [--on-delay 1] [--off-delay 1]
"""
import argparse
import email
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chaos  # noqa: E402  (its STARTED list is where everything started here is killed from)
from chaos import Gateway, free_port, modbus_write, start_simulator, wait_for  # noqa: E402

PIN_MV = 15000                              # above cellVoltageHigh's 14.4 V (the float voltage is ~13.6 V)
CELL_VOLTAGE = 1000                         # input register of cell 1's voltage (BMC-MODBUS.md); cell i: 1000 + i - 1
PIN, PINNED = 10000, 20000                  # simulator: write V to PIN + A pins input A at V; 0 to PINNED + A releases it
RAISED_OID, CLEARED_OID = ".1.3.6.1.4.1.32473.0.1", ".1.3.6.1.4.1.32473.0.2"
STRING_INDEX_OID, CELL_OID = ".1.3.6.1.4.1.32473.1.6.1.3.", ".1.3.6.1.4.1.32473.1.6.1.4."  # btmsAlarmStringIndex, btmsAlarmCell


class Arrivals:
    """(channel, event, string, cell) → receipt times, filled by the receivers' reader threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.times = {}

    def add(self, channel, event, string, cell, at):
        with self.lock:
            self.times.setdefault((channel, event, string, cell), []).append(at)

    def first(self, channel, event, string, cell, after):
        with self.lock:
            return min((t for t in self.times.get((channel, event, string, cell), []) if t >= after), default=None)


def read_lines(proc, handle):
    """Stamps every line a receiver prints as it arrives (both flush per message: measured 1–5 ms)."""
    def loop():
        for line in proc.stdout:
            at = time.time()
            try:
                handle(line.decode(errors="replace"), at)
            except Exception:
                pass  # not one of ours (status, measurements, other notifications)
    threading.Thread(target=loop, daemon=True).start()


def start_trap_receiver(work, arrivals):
    """snmptrapd in the foreground, one line per notification on stdout (-F: varbinds separated by '|')."""
    port = free_port(socket.SOCK_DGRAM)
    with open(f"{work}/snmptrapd.conf", "w") as f:
        f.write("disableAuthorization yes\n")
    proc = subprocess.Popen(["/usr/sbin/snmptrapd", "-f", "-Lo", "-On", "-m", "", "-C", "-c", f"{work}/snmptrapd.conf",
                             "-F", "%V|%v\n", f"udp:127.0.0.1:{port}"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    chaos.STARTED.append(proc)

    def handle(line, at):
        binds = dict(b.split(" = ", 1) for b in line.strip().split("|") if " = " in b)
        kind = binds.get(".1.3.6.1.6.3.1.1.4.1.0", "")  # snmpTrapOID.0
        event = "raised" if kind.endswith(RAISED_OID) else "cleared" if kind.endswith(CLEARED_OID) else None
        if event:  # not BATTERY-MIB's notifications (sent beside ours for some types)
            string = next(int(v.split()[-1]) for o, v in binds.items() if o.startswith(STRING_INDEX_OID))
            cell = next(int(v.split()[-1]) for o, v in binds.items() if o.startswith(CELL_OID))
            arrivals.add("trap", event, f"s{string}", cell, at)
    read_lines(proc, handle)
    return port


def start_mqtt_receiver(work, arrivals, gateway_id):
    """mosquitto on a free port and a QoS 1 mosquitto_sub on the gateway's alarm topic (and its status)."""
    port = free_port()
    with open(f"{work}/mosquitto.conf", "w") as f:
        f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    broker = subprocess.Popen(["mosquitto", "-c", f"{work}/mosquitto.conf"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    chaos.STARTED.append(broker)
    wait_for(lambda: socket.create_connection(("127.0.0.1", port), 1).close() is None, 10)
    sub = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-q", "1", "-F", "%t %p",
                            "-t", f"btms/{gateway_id}/alarms", "-t", f"btms/{gateway_id}/status"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    chaos.STARTED.append(sub)

    def handle(line, at):
        topic, _, payload = line.partition(" ")
        if topic.endswith("/status"):
            arrivals.add("mqtt", payload.strip(), "", 0, at)  # "online" once the gateway is connected
            return
        message = json.loads(payload)
        a = message["alarm"]
        if a["type"] == "cellVoltageHigh":
            arrivals.add("mqtt", message["event"], a["string"], a["cell"], at)
    read_lines(sub, handle)
    return port


def start_mail_receiver(work, arrivals):
    """smtp_sink.py (aiosmtpd), plain SMTP; a watcher thread reads each stored message. Its time is the
    file's modification time (written just before the sink answers 250), so polling adds nothing."""
    port = free_port()
    out = f"{work}/mail"
    sink = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "smtp_sink.py"),
                             "--port", str(port), "--out", out, "--mode", "plain"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    chaos.STARTED.append(sink)
    sink.stdout.readline()  # "ready PORT"
    seen = set()

    def watch():
        while True:
            try:
                names = sorted(os.listdir(out))
            except FileNotFoundError:
                return  # removed: the run is over
            for name in names:
                if not name.endswith(".eml") or name in seen:
                    continue
                seen.add(name)
                path = f"{out}/{name}"
                with open(path, "rb") as f:
                    message = email.message_from_binary_file(f)
                # One recipient per string (the configuration below), so the address says whose alarm it is.
                string = message["X-Envelope-To"].split("@")[0]
                text = message["Subject"] + "\n" + (message.get_payload(decode=True) or b"").decode(errors="replace")
                for event, word in (("raised", "RAISED"), ("cleared", "CLEARED")):
                    for cell in {int(c) for c in re.findall(rf"{word}\s.*? cell (\d+)", text)}:
                        arrivals.add("email", event, string, cell, os.stat(path).st_mtime)
            time.sleep(0.1)
    threading.Thread(target=watch, daemon=True).start()
    return port


def gateway_config(work, a, sim_port, trap_port, mqtt_port, smtp_port):
    """A small configuration in the style of config/demo.yaml: 1 s polling, cellVoltageHigh with 1 s
    delays, traps, MQTT without TLS (broker on this host), e-mail with one recipient per string, so
    that each raise opens its own batch window (the worst case the goal allows for).
    cellSohLow is off: the simulator's weak block (cell 18 of some strings) is below its 60 %, and
    its alarms would open batch windows of their own."""
    strings, cells = a.strings, a.cells
    lines = [
        "gateway: { id: latency-gw, site: Latency }",
        f"dataDirectory: {work}/data",
        "log: { level: notice }",
        f"acquisition: {{ pollInterval: {a.poll * 1000:g}ms, timeout: 500ms, retries: 1, commLostAfter: 3 }}",
        "alarms:",
        "  defaults:",
        f"    cellVoltageHigh: {{ limit: 14.4, hysteresis: 0.05, onDelay: {a.on_delay * 1000:g}ms, "
        f"offDelay: {a.off_delay * 1000:g}ms, email: true }}",
        "    cellSohLow: { enabled: false }",
        "notifications:",
        f"  batchWindow: {a.batch_window:g}s",
        f"  email: {{ host: 127.0.0.1, port: {smtp_port}, security: none, from: btms@example.org }}",
        "  recipients:",
        *[f"    - {{ name: Owner s{i}, email: s{i}@example.org, strings: [s{i}] }}" for i in range(1, strings + 1)],
        f"snmp: {{ listen: udp:127.0.0.1:{free_port(socket.SOCK_DGRAM)}, community: public, "
        f"trapDestinations: [\"127.0.0.1:{trap_port}\"] }}",
        f"mqtt: {{ host: 127.0.0.1, port: {mqtt_port}, tls: {{ enabled: false }} }}",
        "ups: [{ id: u1, name: UPS 1 }]",
        "strings:",
        *[f"  - {{ id: s{i}, ups: u1, cells: {cells}, modbus: {{ tcp: {{ host: 127.0.0.1, port: {sim_port}, unit: {i} }} }} }}"
          for i in range(1, strings + 1)],
    ]
    path = f"{work}/gateway.yaml"
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def percentile(values, p):
    """Nearest rank: the smallest value with at least p % of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * p // 100) - 1)]


def figures(name, latencies, total, goal):
    got = [x for x in latencies if x is not None]
    if not got:
        return f"  {name:<13} none of {total} arrived"
    p95 = percentile(got, 95)
    verdict = "PASS" if p95 <= goal and len(got) == total else f"over by {p95 - goal:.3f} s" if p95 > goal else "MISSED some"
    return (f"  {name:<13} p50 {percentile(got, 50):6.2f} s   p95 {p95:6.2f} s   max {max(got):6.2f} s   "
            f"missed {total - len(got):2}/{total}   goal p95 ≤ {goal:g} s: {verdict}")


def alarm_rows(db):
    """(string id, cell) → [(raised_at, cleared_at)] in s, from the gateway's alarm log (sample times)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        rows = con.execute("SELECT s.id, a.cell, a.raised_at, a.cleared_at FROM alarms a JOIN strings s ON s.key = a.string_key "
                           "WHERE a.type = 'cellVoltageHigh'").fetchall()
        others = con.execute("SELECT type, count(*) FROM alarms WHERE type != 'cellVoltageHigh' GROUP BY type").fetchall()
    finally:
        con.close()
    if others:  # they share the receivers and the recipients' batch windows: say so
        print("other alarms during the run: " + ", ".join(f"{t} {n}" for t, n in others))
    out = {}
    for string, cell, raised, cleared in rows:
        out.setdefault((string, cell), []).append((raised / 1000, cleared / 1000 if cleared else None))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bmgw", required=True)
    parser.add_argument("--cycles", type=int, default=50)
    parser.add_argument("--strings", type=int, default=32)
    parser.add_argument("--cells", type=int, default=24)
    parser.add_argument("--batch-window", type=float, default=60, help="notifications.batchWindow, s (factory default 60)")
    parser.add_argument("--poll", type=float, default=1, help="acquisition.pollInterval, s")
    parser.add_argument("--on-delay", type=float, default=1, help="cellVoltageHigh onDelay, s")
    parser.add_argument("--off-delay", type=float, default=1, help="cellVoltageHigh offDelay, s")
    parser.add_argument("--timeout", type=float, default=15, help="s to wait for a trap and an MQTT message")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # bench.sh stopped: still clean up (finally)
    work = tempfile.mkdtemp(prefix="bmgw-latency-")
    gateway = None
    try:
        arrivals = Arrivals()
        _, sim_port = start_simulator(args.bmgw, work, args.strings, args.cells)
        config = gateway_config(work, args, sim_port, start_trap_receiver(work, arrivals),
                                start_mqtt_receiver(work, arrivals, "latency-gw"), start_mail_receiver(work, arrivals))
        started = time.time()
        gateway = Gateway(args.bmgw, config, f"{work}/gateway.log")

        def answering():
            status = subprocess.run([args.bmgw, "status", "--data", f"{work}/data", "--json"], capture_output=True, text=True).stdout
            return status.count('"quality":"ok"') == args.strings
        if not wait_for(answering, 60, 0.5) or not wait_for(lambda: arrivals.first("mqtt", "online", "", 0, started), 30):
            raise RuntimeError("the gateway did not poll every string or connect to the broker")
        time.sleep(3)  # start-up work (first history rows, MQTT meta) out of the way

        print(f"alarm latency: {args.cycles} crossings, {args.strings} strings × {args.cells} cells (separate simulator process), "
              f"pollInterval {args.poll:g} s, cellVoltageHigh onDelay {args.on_delay:g} s, offDelay {args.off_delay:g} s, "
              f"e-mail batchWindow {args.batch_window:g} s (one recipient per string)", flush=True)
        cycles = []   # (string, cell, write acknowledged, release acknowledged)
        for i in range(args.cycles):
            # A new string each cycle (and a new cell each round of strings): every raise is that
            # recipient's first change in a while, so it opens a batch window; arrivals are matched
            # by (string, cell), unambiguously.
            string, cell = i % args.strings + 1, i // args.strings % args.cells + 1
            key = (f"s{string}", cell)
            # A random phase against the pollers' grid, as a real crossing would have.
            time.sleep(random.uniform(0, args.poll))
            modbus_write(sim_port, string, PIN + CELL_VOLTAGE + cell - 1, PIN_MV)
            wrote = time.time()
            wait_for(lambda: all(arrivals.first(c, "raised", *key, wrote) for c in ("trap", "mqtt")), args.timeout, 0.02)
            time.sleep(random.uniform(0, args.poll))  # not right after the sweep that raised it
            modbus_write(sim_port, string, PINNED + CELL_VOLTAGE + cell - 1, 0)
            released = time.time()
            wait_for(lambda: all(arrivals.first(c, "cleared", *key, released) for c in ("trap", "mqtt")), args.timeout, 0.02)
            cycles.append((*key, wrote, released))
        # E-mail comes a batch window after each raise: wait for the last ones.
        wait_for(lambda: all(arrivals.first("email", "raised", s, c, w) for s, c, w, _ in cycles), args.batch_window + 30, 0.5)
        rows = alarm_rows(f"{work}/data/history.sqlite")

        poll, on_delay = args.poll, args.on_delay
        goals = {"trap": on_delay + poll, "mqtt": on_delay + poll, "email": on_delay + poll + args.batch_window}
        print(f"raise: write acknowledged → arrival ({time.time() - started:.0f} s run)")
        for channel, label in (("trap", "SNMP trap"), ("mqtt", "MQTT"), ("email", "e-mail")):
            lat = [(t - w) if (t := arrivals.first(channel, "raised", s, c, w)) else None for s, c, w, _ in cycles]
            print(figures(label, lat, len(cycles), goals[channel]))
        print("clear: release acknowledged → arrival (information; offDelay + one poll interval as the yardstick)")
        for channel, label in (("trap", "SNMP trap"), ("mqtt", "MQTT")):
            lat = [(t - r) if (t := arrivals.first(channel, "cleared", s, c, r)) else None for s, c, _, r in cycles]
            print(figures(label, lat, len(cycles), args.off_delay + poll))
        # Where the raise time goes: the alarm's stored raise time is the sample time of the sweep that
        # raised it (sample times are the gateway's wall clock, as ours), so write → raising sample is
        # polling + onDelay, and raising sample → arrival is the gateway's own work and delivery.
        detect, deliver = [], {"trap": [], "mqtt": [], "email": []}
        for s, c, w, _ in cycles:
            raised = next((r for r, _ in rows.get((s, c), []) if r >= w - 0.01), None)
            if raised is None:
                continue
            detect.append(raised - w)
            for channel in deliver:
                if (t := arrivals.first(channel, "raised", s, c, w)):
                    deliver[channel].append(t - raised)
        if detect:
            print("raise split at the raising sample's time (history.sqlite alarms.raised_at):")
            print(f"  {'write → raising sample':<37} p50 {percentile(detect, 50):5.2f} s  p95 {percentile(detect, 95):5.2f} s  "
                  f"max {max(detect):5.2f} s   (above onDelay + one poll interval in {sum(d > on_delay + poll for d in detect)}"
                  f"/{len(detect)} raises)")
            for channel, values in deliver.items():
                # E-mail: less the batch window, what is left is the gateway's composing and sending.
                window = args.batch_window if channel == "email" else 0
                values = [v - window for v in values]
                if values:
                    print(f"  {'raising sample → ' + channel + (' − batchWindow' if window else ''):<37} p50 {percentile(values, 50):5.2f} s  "
                          f"p95 {percentile(values, 95):5.2f} s  max {max(values):5.2f} s")
    finally:
        if gateway:
            gateway.stop()
        for proc in chaos.STARTED:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
