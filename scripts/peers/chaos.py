#!/usr/bin/env python3
"""Fault-and-load suite of the gateway (scripts/chaos.sh): each part runs real `bmgw` processes
against real peers (mosquitto, net-snmp's snmpget, sqlite3, a hostile Modbus controller written
here) and prints what it counted. Nothing is assumed: a part passes on its counts only.

  chaos.py --bmgw PATH [--quick] [--only NAME,...] [--hour]
"""
import argparse
import json
import os
import random
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time

RESULTS = []
# Every gateway started, so that a part that fails half-way leaves none running.
STARTED = []


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def report(name, ok, figures):
    RESULTS.append((name, ok))
    print(f"{'PASS' if ok else 'FAIL'}  {name}: {figures}", flush=True)


class Gateway:
    """A `bmgw run` process on a configuration file, its output in a log."""

    def __init__(self, bmgw, config, log, env=None):
        self.log = open(log, "ab")
        self.proc = subprocess.Popen([bmgw, "run", "--config", config], stdout=self.log, stderr=self.log,
                                     env={**os.environ, **(env or {})}, close_fds=True)
        STARTED.append(self.proc)

    def alive(self):
        return self.proc.poll() is None

    def kill(self):
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.log.close()

    def stop(self):
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def wait_for(condition, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if condition():
                return True
        except Exception:
            pass
        time.sleep(0.2)
    return False


def scalar(db, sql):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def plant_config(data, sim_port, strings, cells, extra=""):
    lines = [
        "gateway: { id: chaos-gw, site: Chaos }",
        f"dataDirectory: {data}",
        "log: { level: notice }",
        "acquisition: { pollInterval: 1s, timeout: 500ms, retries: 1, commLostAfter: 2, offlineRetryInterval: 2s }",
        "history: { slowInterval: 1s, fastInterval: 1s, retention: 30d }",
        f"simulator: {{ listen: 127.0.0.1:{sim_port} }}",
        "ups: [{ id: u1, name: UPS 1 }]",
        "strings:",
    ]
    for i in range(strings):
        lines.append(f"  - {{ id: s{i + 1}, ups: u1, cells: {cells}, modbus: {{ tcp: {{ host: 127.0.0.1, port: {sim_port}, unit: {i + 1} }} }} }}")
    return "\n".join(lines) + "\n" + extra


# --- 1. The broker down while the gateway is SIGKILLed and restarted: every sequence number arrives.

def kills_with_broker_down(bmgw, work, kills):
    data = f"{work}/data"
    mqtt_port = free_port()
    config = f"{work}/g.yaml"
    with open(config, "w") as f:
        f.write(plant_config(data, free_port(), 4, 24, f"mqtt: {{ host: 127.0.0.1, port: {mqtt_port}, tls: {{ enabled: false }}, publishInterval: 1s }}\n"))
    for _ in range(kills):
        gw = Gateway(bmgw, config, f"{work}/gateway.log")
        time.sleep(random.uniform(1.5, 4.0))
        gw.kill()
    outbox = f"{data}/outbox.sqlite"
    queued = scalar(outbox, "SELECT count(*) FROM messages")
    with open(f"{work}/mosquitto.conf", "w") as f:
        f.write(f"listener {mqtt_port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    broker = subprocess.Popen(["mosquitto", "-c", f"{work}/mosquitto.conf"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    received = open(f"{work}/received.txt", "wb")
    wait_for(lambda: socket.create_connection(("127.0.0.1", mqtt_port), 1).close() is None, 10)
    sub = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(mqtt_port), "-q", "1", "-v", "-t", "btms/chaos-gw/#"],
                           stdout=received, stderr=subprocess.DEVNULL)
    time.sleep(1)
    gw = Gateway(bmgw, config, f"{work}/gateway.log")
    emptied = wait_for(lambda: scalar(outbox, "SELECT count(*) FROM messages") == 0, 120)
    time.sleep(2)
    gw.stop()
    sub.terminate(); sub.wait(); received.close()
    broker.terminate(); broker.wait()
    seqs = []
    with open(f"{work}/received.txt", "rb") as f:
        for line in f:
            topic, _, payload = line.partition(b" ")
            try:
                seqs.append(json.loads(payload)["seq"])
            except Exception:
                pass  # status messages carry no sequence number
    distinct = set(seqs)
    top = max(distinct) if distinct else 0
    missing = sorted(set(range(1, top + 1)) - distinct)
    report("broker down, gateway SIGKILLed and restarted",
           emptied and top > 0 and not missing,
           f"{kills} SIGKILLs, {queued} messages queued meanwhile, {len(seqs)} received ({len(seqs) - len(distinct)} twice), "
           f"seq 1…{top}, {len(missing)} missing{' ' + str(missing[:10]) if missing else ''}, outbox emptied: {emptied}")


# --- 2. SIGKILLs at random moments during history and alarm writes: the database stays sound.

def kills_during_writes(bmgw, work, kills, strings, cells):
    data = f"{work}/data"
    config = f"{work}/g.yaml"
    # Every cell above its "high" limit from the first poll: one alarm per cell, written at once.
    alarms = "alarms:\n  defaults:\n    cellVoltageLow: { limit: 1 }\n    cellVoltageHigh: { limit: 2, onDelay: 0s }\n"
    with open(config, "w") as f:
        f.write(plant_config(data, free_port(), strings, cells, alarms))
    db = f"{data}/history.sqlite"
    bad, duplicates, worst = 0, 0, 0
    for i in range(kills):
        gw = Gateway(bmgw, config, f"{work}/gateway.log")
        # The first runs wait for the alarms to be written, then kills come at any moment.
        time.sleep(random.uniform(4.0, 8.0) if i < 2 else random.uniform(0.3, 4.0))
        gw.kill()
        check = subprocess.run(["sqlite3", db, "PRAGMA integrity_check"], capture_output=True, text=True).stdout.strip()
        if check != "ok":
            bad += 1
            print(f"  integrity_check after kill {i + 1}: {check[:200]}", flush=True)
        duplicates += scalar(db, "SELECT count(*) FROM (SELECT 1 FROM alarms WHERE cleared_at IS NULL "
                                 "GROUP BY string_key, type, ifnull(cell, 0) HAVING count(*) > 1)")
        worst = max(worst, scalar(db, "SELECT count(*) FROM samples"))
    gw = Gateway(bmgw, config, f"{work}/gateway.log")
    expected = strings * cells
    settled = wait_for(lambda: scalar(db, "SELECT count(*) FROM alarms WHERE cleared_at IS NULL AND type = 'cellVoltageHigh'") == expected, 60)
    time.sleep(2)
    gw.stop()
    active = scalar(db, "SELECT count(*) FROM alarms WHERE cleared_at IS NULL AND type = 'cellVoltageHigh'")
    rows = scalar(db, "SELECT count(*) FROM alarms WHERE type = 'cellVoltageHigh'")
    samples = scalar(db, "SELECT count(*) FROM samples")
    report(f"SIGKILL during history and alarm writes ({strings} × {cells} cells)",
           bad == 0 and duplicates == 0 and settled and active == expected,
           f"{kills} SIGKILLs, integrity_check ok {kills - bad}/{kills}, duplicated active alarms {duplicates}, "
           f"cells in alarm at the end {active}/{expected} (alarm rows {rows}), {samples} samples kept")


# --- 3. Hostile peers: malformed SNMP datagrams, malformed Modbus answers, mutated configuration files.

def snmp_get_packet(community, request_id):
    """A BER-encoded SNMPv2c GetRequest for sysDescr.0 (to mutate)."""
    def tlv(tag, body):
        n = len(body)
        return bytes([tag]) + (bytes([n]) if n < 128 else bytes([0x81, n])) + body
    oid = bytes([0x2B, 6, 1, 2, 1, 1, 1, 0])
    varbind = tlv(0x30, tlv(0x06, oid) + b"\x05\x00")
    pdu = tlv(0xA0, tlv(0x02, struct.pack(">I", request_id)) + tlv(0x02, b"\x00") + tlv(0x02, b"\x00") + tlv(0x30, varbind))
    return tlv(0x30, tlv(0x02, b"\x01") + tlv(0x04, community.encode()) + pdu)


def mutate(packet, rng):
    p = bytearray(packet)
    kind = rng.randrange(6)
    if kind == 0:
        return bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 300)))
    if kind == 1:
        return bytes(p[: rng.randrange(len(p))])
    if kind == 2:
        for _ in range(rng.randrange(1, 6)):
            p[rng.randrange(len(p))] = rng.getrandbits(8)
        return bytes(p)
    if kind == 3:
        i = rng.randrange(len(p))
        return bytes(p[:i] + bytes([0x81 + rng.randrange(4)]) + bytes(rng.getrandbits(8) for _ in range(4)) + p[i:])
    if kind == 4:
        p[1] = rng.choice([0x00, 0x7F, 0x80, 0x84, 0xFF])
        return bytes(p)
    return bytes(p) + bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 2000)))


def hostile_snmp(bmgw, work, count):
    data = f"{work}/data"
    port = free_port(socket.SOCK_DGRAM)
    config = f"{work}/g.yaml"
    with open(config, "w") as f:
        f.write(plant_config(data, free_port(), 2, 16, f"snmp: {{ listen: 'udp:127.0.0.1:{port}', community: public }}\n"))
    gw = Gateway(bmgw, config, f"{work}/gateway.log")
    get = ["snmpget", "-v2c", "-c", "public", "-t", "2", "-r", "2", "-Oqv", f"127.0.0.1:{port}", "1.3.6.1.2.1.1.5.0"]
    before = wait_for(lambda: subprocess.run(get, capture_output=True).returncode == 0, 30)
    rng = random.Random(7)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(count):
        sock.sendto(mutate(snmp_get_packet(rng.choice(["public", "x" * 40, ""]), i), rng), ("127.0.0.1", port))
        if i % 200 == 0:
            time.sleep(0.02)  # the agent's socket buffer, not the sender, should decide what is dropped
    sock.close()
    time.sleep(1)
    alive = gw.alive()
    after = subprocess.run(get, capture_output=True, text=True)
    gw.stop()
    report("malformed SNMP datagrams", before and alive and after.returncode == 0,
           f"{count} datagrams (random, cut, bit-flipped, bad lengths, oversized), gateway alive: {alive}, "
           f"snmpget before: {'answered' if before else 'no answer'}, after: {after.stdout.strip() or after.stderr.strip()[:80]}")


class HostileController(threading.Thread):
    """A Modbus TCP peer that answers every request wrongly, a different way each time."""

    def __init__(self, tally, seed):
        super().__init__(daemon=True)
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(8)
        self.port = self.server.getsockname()[1]
        self.tally, self.rng = tally, random.Random(seed)

    def garbage(self, request):
        rng = self.rng
        tid, unit, fn = request[0:2], request[6], request[7]
        kind = rng.randrange(9)
        if kind == 0:
            return bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 300)))
        if kind == 1:  # another transaction id
            body = bytes([unit, fn, 2, 0, 1])
            return struct.pack(">HHH", rng.getrandbits(16), 0, len(body)) + body
        if kind == 2:  # length field lies
            body = bytes([unit, fn, 4, 1, 2, 3, 4])
            return tid + b"\x00\x00" + struct.pack(">H", rng.choice([0, 1, 255, 65535])) + body
        if kind == 3:  # byte count lies
            body = bytes([unit, fn, rng.randrange(256)]) + bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 40)))
            return tid + b"\x00\x00" + struct.pack(">H", len(body)) + body
        if kind == 4:  # an exception, some of them unknown
            body = bytes([unit, fn | 0x80, rng.randrange(256)])
            return tid + b"\x00\x00" + struct.pack(">H", len(body)) + body
        if kind == 5:  # another function or unit
            body = bytes([rng.randrange(256), rng.randrange(256), 2, 0, 0])
            return tid + b"\x00\x00" + struct.pack(">H", len(body)) + body
        if kind == 6:  # the right shape, nonsense values
            count = struct.unpack(">H", request[10:12])[0] if len(request) >= 12 else 1
            values = bytes(rng.getrandbits(8) for _ in range(2 * min(count, 125)))
            body = bytes([unit, fn, len(values) & 0xFF]) + values
            return tid + b"\x00\x00" + struct.pack(">H", len(body)) + body
        if kind == 7:  # half an answer
            return tid + b"\x00\x00\x00\x09" + bytes([unit, fn])
        return b""  # no answer at all: close

    def run(self):
        while not self.tally.done():
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            conn.settimeout(3)
            try:
                while not self.tally.done():
                    request = conn.recv(260)
                    if len(request) < 8:
                        break
                    answer = self.garbage(request)
                    self.tally.add()
                    if not answer:
                        break
                    conn.sendall(answer)
            except OSError:
                pass
            finally:
                conn.close()


class Tally:
    def __init__(self, limit):
        self.limit, self.count, self.lock = limit, 0, threading.Lock()

    def add(self):
        with self.lock:
            self.count += 1

    def done(self):
        return self.count >= self.limit


def hostile_modbus(bmgw, work, count, controllers):
    """`controllers` hostile peers, one string each (a link per controller polls in parallel; a
    link that lost its controller retries once a second, so many peers make the count in minutes)."""
    data = f"{work}/data"
    tally = Tally(count)
    hostile = [HostileController(tally, seed) for seed in range(controllers)]
    for h in hostile:
        h.start()
    sim_port = free_port()
    config = f"{work}/g.yaml"
    evil = "".join(f"  - {{ id: evil{k + 1}, ups: u1, cells: 16, modbus: {{ tcp: {{ host: 127.0.0.1, port: {h.port}, unit: 1 }} }} }}\n"
                   for k, h in enumerate(hostile))
    text = plant_config(data, sim_port, 1, 16).replace("strings:\n", "strings:\n" + evil)
    text = text.replace("pollInterval: 1s, timeout: 500ms, retries: 1, commLostAfter: 2, offlineRetryInterval: 2s",
                        "pollInterval: 200ms, timeout: 200ms, retries: 0, commLostAfter: 2, offlineRetryInterval: 1s")
    with open(config, "w") as f:
        f.write(text)
    gw = Gateway(bmgw, config, f"{work}/gateway.log")
    started = time.time()
    wait_for(lambda: tally.done() or not gw.alive(), 1800)
    took = time.time() - started
    alive = gw.alive()
    alarms = subprocess.run([bmgw, "alarms", "--config", config, "--active", "--csv", "--per-page", "0"], capture_output=True, text=True).stdout
    gw.stop()
    for h in hostile:
        h.server.close()
    lost = {k for k in range(1, controllers + 1) if any(f",evil{k}," in line and "commLost" in line for line in alarms.split("\n"))}
    good = not any(",s1," in line and "commLost" in line for line in alarms.split("\n"))
    report(f"malformed Modbus answers from {controllers} hostile controllers",
           alive and tally.done() and len(lost) == controllers and good,
           f"{tally.count} wrong answers in {took:.0f} s, gateway alive: {alive}, hostile strings alarmed commLost: {len(lost)}/{controllers}, "
           f"the good string polled without alarm: {good}")


def mutated_configs(bmgw, work, count):
    here = os.path.dirname(os.path.abspath(__file__))
    sources = [open(os.path.join(here, "..", "..", "config", name)).read() for name in ("gateway.yaml", "demo.yaml")]
    rng = random.Random(3)
    valid = named = crashes = unnamed = 0
    examples = []
    for i in range(count):
        lines = rng.choice(sources).split("\n")
        for _ in range(rng.randrange(1, 4)):
            j = rng.randrange(len(lines))
            kind = rng.randrange(8)
            if kind == 0:
                del lines[j]
            elif kind == 1:
                lines.insert(j, lines[j])
            elif kind == 2 and lines[j]:
                k = rng.randrange(len(lines[j]))
                lines[j] = lines[j][:k] + rng.choice(["{", "}", "[", ":", "'", '"', "\t", "-", "#", "&a", "*a", "!!binary", "\x00", "é"]) + lines[j][k + 1:]
            elif kind == 3:
                lines[j] = lines[j].replace("1", rng.choice(["-1", "99999999999999999999", "1e400", "x", "0.0001", ""]), 1)
            elif kind == 4:
                lines[j] = "  " + lines[j]
            elif kind == 5:
                lines = lines[:j]
            elif kind == 6:
                lines[j] = lines[j].replace(": ", ": [", 1)
            else:
                lines[j] = lines[j].replace("s", "S", 1)
        path = f"{work}/mutated-{i}.yaml"
        with open(path, "w") as f:
            f.write("\n".join(lines))
        r = subprocess.run([bmgw, "check-config", path], capture_output=True, text=True, timeout=30)
        if r.returncode == 0:
            valid += 1
        elif r.returncode < 0 or r.returncode > 2:
            crashes += 1
            examples.append(f"{path}: exit {r.returncode}")
        elif f"mutated-{i}.yaml" in r.stderr + r.stdout:
            named += 1
        else:
            unnamed += 1
            examples.append(f"{path}: {(r.stderr + r.stdout).strip()[:120]}")
        if crashes == 0 and unnamed == 0:
            os.remove(path)
    report("mutated configuration files", crashes == 0 and unnamed == 0,
           f"{count} files: {valid} still valid, {named} refused naming the file (and line and key), {unnamed} refused without, "
           f"{crashes} crashes{'; e.g. ' + '; '.join(examples[:3]) if examples else ''}")


# --- 4. The disk full: polling and serving go on, the status and the log say so, writes resume.

def status_json(bmgw, config):
    r = subprocess.run([bmgw, "status", "--config", config, "--json"], capture_output=True, text=True, timeout=20)
    return json.loads(r.stdout)


def disk_full(bmgw, work):
    data = f"{work}/data"
    os.makedirs(data)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", data], capture_output=True, text=True)
    if mounted.returncode != 0:
        print(f"SKIP  disk full: cannot mount a small tmpfs here ({mounted.stderr.strip()}); run as root", flush=True)
        return
    try:
        config = f"{work}/g.yaml"
        with open(config, "w") as f:
            f.write(plant_config(data, free_port(), 8, 120))
        gw = Gateway(bmgw, config, f"{work}/gateway.log")
        db = f"{data}/history.sqlite"
        wait_for(lambda: scalar(db, "SELECT count(*) FROM samples") > 16, 60)
        # Fill the disk to the last block.
        with open(f"{data}/filler", "wb") as filler:
            try:
                while True:
                    filler.write(b"\0" * (1 << 20))
                    filler.flush()
            except OSError:
                pass
        stopped = wait_for(lambda: status_json(bmgw, config)["history"]["writing"] is False, 60)
        time.sleep(3)
        during = status_json(bmgw, config)
        times = [s["summary"].get("time") for s in during["strings"]]
        time.sleep(3)
        later = status_json(bmgw, config)
        polling = all(a != b for a, b in zip(times, [s["summary"].get("time") for s in later["strings"]])) \
            and all(s["summary"]["quality"] == "ok" for s in later["strings"])
        lost = later["history"]["samplesLost"]
        os.remove(f"{data}/filler")
        before = scalar(db, "SELECT count(*) FROM samples")
        resumed = wait_for(lambda: status_json(bmgw, config)["history"]["writing"] is True, 60)
        grew = wait_for(lambda: scalar(db, "SELECT count(*) FROM samples") > before + 8, 30)
        alive = gw.alive()
        gw.stop()
        check = subprocess.run(["sqlite3", db, "PRAGMA integrity_check"], capture_output=True, text=True).stdout.strip()
        log = open(f"{work}/gateway.log", errors="replace").read()
        said = "cannot write history" in log and "history written again" in log
        report("disk full", stopped and polling and resumed and grew and alive and said and check == "ok",
               f"status said 'not written' {'yes' if stopped else 'NO'} ({later['history'].get('lastError', '')[:60]}), "
               f"polling went on: {polling}, {lost} samples lost while full, writes resumed: {resumed}, new samples after: {grew}, "
               f"the log said both: {said}, integrity_check: {check}")
    finally:
        subprocess.run(["umount", "-l", data], capture_output=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bmgw", required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    quick = args.quick
    parts = {
        "broker": lambda w: kills_with_broker_down(args.bmgw, w, 3 if quick else 10),
        "writes": lambda w: kills_during_writes(args.bmgw, w, 10 if quick else 100, 8 if quick else 32, 120),
        "snmp": lambda w: hostile_snmp(args.bmgw, w, 2000 if quick else 10000),
        "modbus": lambda w: hostile_modbus(args.bmgw, w, 1000 if quick else 10000, 16 if quick else 31),
        "configs": lambda w: mutated_configs(args.bmgw, w, 100 if quick else 500),
        "diskfull": lambda w: disk_full(args.bmgw, w),
    }
    chosen = [p for p in args.only.split(",") if p] or list(parts)
    for name in chosen:
        with tempfile.TemporaryDirectory(prefix=f"chaos-{name}-") as work:
            started = time.time()
            try:
                parts[name](work)
            except Exception as error:  # a part that cannot run is a failure, with its reason
                report(name, False, f"could not run: {error!r}")
            finally:
                for proc in STARTED:
                    if proc.poll() is None:
                        proc.kill()
                        proc.wait()
            print(f"      ({time.time() - started:.0f} s)", flush=True)
            if not RESULTS or not RESULTS[-1][1]:
                log = f"{work}/gateway.log"
                if os.path.exists(log):
                    print("      last lines of the gateway's log:\n" + "".join(open(log, errors="replace").readlines()[-15:]), flush=True)
    failed = [n for n, ok in RESULTS if not ok]
    print(f"chaos: {len(RESULTS) - len(failed)} of {len(RESULTS)} parts passed", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
