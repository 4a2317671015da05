#!/usr/bin/env python3
"""Fault-and-load suite of the gateway (scripts/chaos.sh): each part runs real `bmgw` processes
against real peers (mosquitto, net-snmp's snmpget, sqlite3, a hostile Modbus controller written
here) and prints what it counted. Nothing is assumed: a part passes on its counts only.

  chaos.py --bmgw PATH [--quick] [--only NAME,...] [--soak-minutes M]
"""
import argparse
import datetime
import http.client
import json
import os
import random
import re
import signal
import socket
import sqlite3
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

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


def wait_for(condition, timeout, step=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if condition():
                return True
        except Exception:
            pass
        time.sleep(step)
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


def broker_and_subscriber(work, mqtt_port, extra=""):
    """A mosquitto on `mqtt_port` and a QoS 1 `mosquitto_sub` of the gateway's topics writing to
    received.txt; returns both processes and the open file."""
    with open(f"{work}/mosquitto.conf", "w") as f:
        f.write(f"listener {mqtt_port} 127.0.0.1\nallow_anonymous true\npersistence false\n{extra}")
    broker = subprocess.Popen(["mosquitto", "-c", f"{work}/mosquitto.conf"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    received = open(f"{work}/received.txt", "wb")
    wait_for(lambda: socket.create_connection(("127.0.0.1", mqtt_port), 1).close() is None, 10)
    sub = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(mqtt_port), "-q", "1", "-v", "-t", "btms/chaos-gw/#"],
                           stdout=received, stderr=subprocess.DEVNULL)
    time.sleep(1)
    return broker, sub, received


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
    broker, sub, received = broker_and_subscriber(work, mqtt_port)
    gw = Gateway(bmgw, config, f"{work}/gateway.log")
    emptied = wait_for(lambda: scalar(outbox, "SELECT count(*) FROM messages") == 0, 120)
    time.sleep(2)
    gw.stop()
    sub.terminate(); sub.wait(); received.close()
    broker.terminate(); broker.wait()
    seqs = received_seqs(f"{work}/received.txt")
    distinct = set(seqs)
    top = max(distinct) if distinct else 0
    missing = sorted(set(range(1, top + 1)) - distinct)
    report("broker down, gateway SIGKILLed and restarted",
           emptied and top > 0 and not missing,
           f"{kills} SIGKILLs, {queued} messages queued meanwhile, {len(seqs)} received ({len(seqs) - len(distinct)} twice), "
           f"seq 1…{top}, {len(missing)} missing{' ' + str(missing[:10]) if missing else ''}, outbox emptied: {emptied}")


# --- 1b. SIGKILLs during a large replay: every message arrives, and the acknowledgements recorded
# on the way (every 8 192 or 2 s, docs/performance.md) bound what is sent twice.

def received_seqs(path):
    seqs = []
    with open(path, "rb") as f:
        for line in f:
            _, _, payload = line.partition(b" ")
            try:
                seqs.append(json.loads(payload)["seq"])
            except Exception:
                pass  # status messages carry no sequence number
    return seqs


def kills_during_replay(bmgw, work, kills, backlog):
    data = f"{work}/data"
    mqtt_port = free_port()
    config = f"{work}/g.yaml"
    with open(config, "w") as f:
        f.write(plant_config(data, free_port(), 2, 24, f"mqtt: {{ host: 127.0.0.1, port: {mqtt_port}, tls: {{ enabled: false }}, publishInterval: 1s }}\n"))
    # A first start makes the outbox; the backlog is then written into it as an outage would leave it.
    outbox = f"{data}/outbox.sqlite"
    gw = Gateway(bmgw, config, f"{work}/gateway.log")
    made = wait_for(lambda: os.path.exists(outbox) and scalar(outbox, "SELECT count(*) FROM counters WHERE name = 'next_seq'") == 1, 30)
    gw.stop()
    if not made:
        report("SIGKILLs during a replay", False, "the gateway made no outbox")
        return
    con = sqlite3.connect(outbox)
    first = con.execute("SELECT value FROM counters WHERE name = 'next_seq'").fetchone()[0]
    now = int(time.time() * 1000)
    pad = "x" * 800
    con.executemany("INSERT INTO messages(seq, priority, droppable, topic, retain, payload, created) VALUES (?, 1, 1, ?, 0, ?, ?)",
                    ((seq, "btms/chaos-gw/replay", json.dumps({"seq": seq, "pad": pad}).encode(), now)
                     for seq in range(first, first + backlog)))
    con.execute("UPDATE counters SET value = ? WHERE name = 'next_seq'", (first + backlog,))
    con.commit()
    con.close()
    # No queue limit: a subscriber slower than the replay must not make the broker drop messages.
    broker, sub, received = broker_and_subscriber(work, mqtt_port, "max_queued_messages 0\n")
    def left():  # stored and not recorded as acknowledged
        return scalar(outbox, "SELECT count(*) FROM messages") - scalar(outbox, "SELECT COALESCE(SUM(hi - lo + 1), 0) FROM acked")

    waiting = []
    for _ in range(kills):
        before = left()
        gw = Gateway(bmgw, config, f"{work}/gateway.log")
        # Killed while the replay runs: once it has recorded acknowledgements, at a random moment after.
        moving = wait_for(lambda: left() < before, 60, step=0.05)
        time.sleep(random.uniform(0.1, 0.6))
        gw.kill()
        waiting.append((left(), moving))
    gw = Gateway(bmgw, config, f"{work}/gateway.log")
    emptied = wait_for(lambda: scalar(outbox, "SELECT count(*) FROM messages") == 0, 120)
    time.sleep(2)
    gw.stop()
    sub.terminate(); sub.wait(); received.close()
    broker.terminate(); broker.wait()
    seqs = received_seqs(f"{work}/received.txt")
    distinct = set(seqs)
    missing = sorted(set(range(first, first + backlog)) - distinct)
    twice = len(seqs) - len(distinct)
    # Per kill at most one unrecorded batch of acknowledgements (8 192, plus up to one turn's
    # acknowledgements over it: the window) and the in-flight window again.
    bound = kills * (8192 + 2 * 100)
    progressed = all(moving for _, moving in waiting)
    report("SIGKILLs during a replay",
           emptied and not missing and twice <= bound and progressed,
           f"{kills} SIGKILLs in a replay of {backlog} messages, waiting after each {[w[0] for w in waiting]}, "
           f"{len(distinct)} distinct received, {len(missing)} missing{' ' + str(missing[:10]) if missing else ''}, "
           f"{twice} twice (bound {bound}), outbox emptied: {emptied}")


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


# --- 5. The wall clock stepped ±1 h under the running gateway (libfaketime): history, alarms, MQTT.

def libfaketime_path():
    """Debian's libfaketime (package libfaketime, pulled in by faketime), found by its file list."""
    listing = subprocess.run(["dpkg", "-L", "libfaketime"], capture_output=True, text=True).stdout.split()
    return next((p for p in listing if p.endswith("/libfaketime.so.1")), None)


def iso_seconds(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def modbus_write(port, unit, register, value):
    """One holding register written with function 0x06 (the simulator's fault-injection registers)."""
    with socket.create_connection(("127.0.0.1", port), 3) as s:
        s.settimeout(3)
        s.sendall(struct.pack(">HHHBBHH", 1, 0, 6, unit, 6, register, value))
        answer = s.recv(64)
    if len(answer) < 12 or answer[7] != 6:
        raise RuntimeError(f"Modbus write {unit}/{register}={value} answered {answer.hex()}")


def start_simulator(bmgw, work, strings, cells):
    """A separate `bmgw simulate` process (not under the gateway's clock or in its memory)."""
    port = free_port()
    log = open(f"{work}/simulator.log", "ab")
    sim = subprocess.Popen([bmgw, "simulate", "--tcp", f"127.0.0.1:{port}", "--strings", str(strings), "--cells", str(cells),
                            "--log-level", "warning"], stdout=log, stderr=log, close_fds=True)
    STARTED.append(sim)
    if not wait_for(lambda: socket.create_connection(("127.0.0.1", port), 1).close() is None, 30):
        raise RuntimeError("the simulator did not listen")
    return sim, port


def start_broker(work):
    """mosquitto on a free port and a QoS 1 `mosquitto_sub` recording btms/chaos-gw/# to received.txt."""
    port = free_port()
    with open(f"{work}/mosquitto.conf", "w") as f:
        f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    broker = subprocess.Popen(["mosquitto", "-c", f"{work}/mosquitto.conf"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    STARTED.append(broker)
    wait_for(lambda: socket.create_connection(("127.0.0.1", port), 1).close() is None, 10)
    received = open(f"{work}/received.txt", "wb")
    sub = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-q", "1", "-v", "-t", "btms/chaos-gw/#"],
                           stdout=received, stderr=subprocess.DEVNULL)
    STARTED.append(sub)
    time.sleep(0.5)
    return broker, sub, received, port


# Debian's libfaketime 0.9.10 also rewrites absolute timerfd deadlines by its offset, for monotonic
# timers too, whatever FAKETIME_DONT_FAKE_MONOTONIC says (libfaketime issue 378: a timerfd does not say
# its clock). Swift's concurrency runtime (libdispatch) arms every Task.sleep as such a timer, so with the
# clock an hour ahead the gateway's interval timers fire at once and spin (92 % CPU measured), an hour
# behind they wait an hour: the test would see libfaketime, not the gateway. Preloaded before libfaketime,
# this hands timerfd_settime and timerfd_gettime straight to the C library (a REALTIME timerfd would then
# follow the real clock; the gateway arms none).
TIMERFD_SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/timerfd.h>

static void *libc_symbol(const char *name) {
    void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
    return libc ? dlsym(libc, name) : 0;
}

int timerfd_settime(int fd, int flags, const struct itimerspec *new_value, struct itimerspec *old_value) {
    static int (*real)(int, int, const struct itimerspec *, struct itimerspec *);
    if (!real) real = libc_symbol("timerfd_settime");
    return real(fd, flags, new_value, old_value);
}

int timerfd_gettime(int fd, struct itimerspec *value) {
    static int (*real)(int, struct itimerspec *);
    if (!real) real = libc_symbol("timerfd_gettime");
    return real(fd, value);
}
"""


def timerfd_shim(work):
    """TIMERFD_SHIM built with the machine's C compiler (cc, gcc or the Swift toolchain's clang)."""
    with open(f"{work}/timerfd-shim.c", "w") as f:
        f.write(TIMERFD_SHIM)
    for compiler in ("cc", "gcc", "clang"):
        try:
            r = subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-o", f"{work}/timerfd-shim.so", f"{work}/timerfd-shim.c", "-ldl"],
                               capture_output=True, text=True)
        except FileNotFoundError:
            continue
        if r.returncode == 0:
            return f"{work}/timerfd-shim.so"
    raise RuntimeError("no C compiler (cc, gcc, clang) to build the timerfd shim")


class Grandchild:
    """A process started by one of ours (so not ours to wait for): polled and killed by its pid."""

    def __init__(self, pid):
        self.pid = pid

    def poll(self):
        try:
            with open(f"/proc/{self.pid}/stat") as f:
                return 0 if f.read().rpartition(")")[2].split()[0] in ("Z", "X") else None
        except OSError:
            return 0

    def kill(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except OSError:
            pass

    def wait(self, timeout=30):
        return wait_for(lambda: self.poll() is not None, timeout)


class FakeClock:
    """The gateway's wall clock, stepped under it with Debian's libfaketime: the library reads the file
    FAKETIME_TIMESTAMP_FILE at every call (FAKETIME_NO_CACHE=1), an offset to the real clock in seconds
    ("+0", "+3600", "-3600"), replaced atomically; FAKETIME_DONT_FAKE_MONOTONIC=1 (--exclude-monotonic):
    only CLOCK_REALTIME moves, the monotonic clock (timeouts, intervals) goes on.

    The gateway starts through Debian's `faketime` wrapper, not with LD_PRELOAD alone: libfaketime
    0.9.10 otherwise creates its shared memory and setenv()s FAKETIME_SHARED in its constructor, which
    moves `environ` off the initial stack before the Swift runtime looks for argv there, and a Swift
    program then sees no arguments (swiftlang/swift#76080; `bmgw run --config X` prints the usage). The
    wrapper makes the semaphore and shared memory first and passes FAKETIME_SHARED in the environment;
    `env -u FAKETIME` then drops the wrapper's fixed offset so that the file rules."""

    def __init__(self, path, lib, shim):
        self.path, self.lib, self.shim = path, lib, shim
        self.set(0)

    def set(self, offset):
        with open(self.path + ".new", "w") as f:
            f.write(f"{'+' if offset >= 0 else '-'}{abs(offset)}\n")
        os.replace(self.path + ".new", self.path)
        self.offset = offset
        return time.time()

    def gateway(self, bmgw, config, log):
        return ClockedGateway(bmgw, config, log, self)


class ClockedGateway(Gateway):
    """`bmgw run` under a FakeClock: signals go to bmgw itself (the wrapper's child); the wrapper
    removes its semaphore and shared memory when bmgw has ended."""

    def __init__(self, bmgw, config, log, clock):
        self.log = open(log, "ab")
        self.wrapper = subprocess.Popen(["faketime", "--exclude-monotonic", "-f", "+0", "env", "-u", "FAKETIME",
                                         f"FAKETIME_TIMESTAMP_FILE={clock.path}", "FAKETIME_NO_CACHE=1",
                                         bmgw, "run", "--config", config], stdout=self.log, stderr=self.log, close_fds=True,
                                        env={**os.environ, "LD_PRELOAD": clock.shim})   # the wrapper appends libfaketime
        STARTED.append(self.wrapper)

        def child():
            with open(f"/proc/{self.wrapper.pid}/task/{self.wrapper.pid}/children") as f:
                pids = f.read().split()
            return pids and os.path.realpath(f"/proc/{pids[0]}/exe") == os.path.realpath(bmgw) and int(pids[0])

        if not wait_for(child, 10):
            raise RuntimeError("bmgw did not start under the faketime wrapper")
        self.proc = Grandchild(child())
        STARTED.insert(0, self.proc)
        with open(f"/proc/{self.proc.pid}/maps") as f:
            maps = f.read()
        for lib in (clock.shim, clock.lib):
            if lib not in maps:
                raise RuntimeError(f"{lib} is not loaded in the gateway")

    def kill(self):
        self.proc.kill()
        self.proc.wait()
        self.wrapper.wait()
        self.log.close()

    def stop(self):
        if self.alive():
            os.kill(self.proc.pid, signal.SIGTERM)
            if not self.proc.wait(30):
                self.proc.kill()
        self.wrapper.wait(30)
        self.log.close()
        return self.wrapper.returncode


class AlarmWatch(threading.Thread):
    """Polls the alarm log: the real time each alarm row first appeared and was first seen cleared."""

    def __init__(self, db):
        super().__init__(daemon=True)
        self.db, self.raised, self.cleared, self.running = db, {}, {}, True

    def run(self):
        while self.running:
            try:
                con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=5)
                rows = con.execute("SELECT id, cleared_at FROM alarms").fetchall()
                con.close()
                now = time.time()
                for id_, cleared in rows:
                    self.raised.setdefault(id_, now)
                    if cleared is not None:
                        self.cleared.setdefault(id_, now)
            except Exception:
                pass
            time.sleep(0.2)

    def stop(self):
        self.running = False
        self.join()


def alarm_row(db, string, cell):
    """The newest cellVoltageHigh alarm of string `string`, cell `cell` (1-based): id, raised_at, cleared_at (ms)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute("SELECT a.id, a.raised_at, a.cleared_at FROM alarms a JOIN strings s ON s.key = a.string_key "
                           "WHERE s.id = ? AND a.cell = ? AND a.type = 'cellVoltageHigh' ORDER BY a.id DESC LIMIT 1",
                           (string, cell)).fetchone()
    finally:
        con.close()


def clock_steps(bmgw, work, phase, on_delay):
    """The gateway's wall clock stepped +1 h and then −1 h (libfaketime), the controllers' not (a
    separate simulator process): 4 strings × 24 cells polled and logged every second, MQTT every second
    to a local mosquitto. Each phase lasts `phase` seconds. What is right:
    - history: every poll logged in every phase (a row per string per second), stamped with the wall
      clock the gateway had when it took the sample; rows never overwritten (the key is string + ms);
      read back in time-stamp order, so the rows after the step back sort before the +1 h ones;
    - alarms: a duration (cleared − raised) is never negative; an on-delay is the real time the
      condition held (an alarm neither an hour late after a step back nor early after a step forward);
    - MQTT: every sequence number arrives, each priority class in sequence order (docs/mqtt.md: events
      may overtake measurements), whatever the payloads' times do."""
    lib = libfaketime_path()
    if not lib or not os.path.exists(lib):
        report("wall clock stepped ±1 h", False, "libfaketime not installed (scripts/install-deps.sh --test installs faketime)")
        return
    data = f"{work}/data"
    sim, sim_port = start_simulator(bmgw, work, 4, 24)
    broker, sub, received, mqtt_port = start_broker(work)
    clock = FakeClock(f"{work}/faketime.rc", lib, timerfd_shim(work))
    config = f"{work}/g.yaml"
    # s1: raised and cleared at once (durations); s2: a condition that must hold `on_delay` first.
    alarms = ("alarms:\n  defaults:\n    cellVoltageHigh: { limit: 14.4, onDelay: 0s, offDelay: 0s }\n"
              f"  strings:\n    s2:\n      cellVoltageHigh: {{ limit: 14.4, onDelay: {on_delay}s, offDelay: 0s }}\n")
    mqtt = f"mqtt: {{ host: 127.0.0.1, port: {mqtt_port}, tls: {{ enabled: false }}, publishInterval: 1s, statusInterval: 5s }}\n"
    text = plant_config(data, sim_port, 4, 24, alarms + mqtt)
    with open(config, "w") as f:
        f.write("\n".join(line for line in text.split("\n") if not line.startswith("simulator:")))
    db = f"{data}/history.sqlite"
    launched = time.time()
    gw = clock.gateway(bmgw, config, f"{work}/gateway.log")
    watch = None
    problems = []
    phases = []   # (offset, real start, real end, real start of steady polling)
    try:
        if not wait_for(lambda: all(s["summary"]["quality"] == "ok" for s in status_json(bmgw, config)["strings"]), 60):
            raise RuntimeError("the strings did not come up under libfaketime")
        watch = AlarmWatch(db)
        watch.start()

        def seen_offset():
            """The gateway's wall clock minus the real one (its status document's generatedAt), and the
            oldest of its strings' newest samples minus the real clock."""
            t0 = time.time()
            st = status_json(bmgw, config)
            t1 = time.time()
            now = (t0 + t1) / 2
            return iso_seconds(st["generatedAt"]) - now, min(iso_seconds(s["summary"]["time"]) for s in st["strings"]) - now

        def settle(offset):
            """Waits until the status and every string's newest sample carry the stepped clock."""
            ok = wait_for(lambda: all(abs(x - offset) < 3 for x in seen_offset()), 15)
            g, s = seen_offset()
            print(f"      clock {offset:+d} s: the gateway's status says {g:+.1f} s, its samples {s:+.1f} s from the real clock"
                  f"{'' if ok else ' — NOT the stepped clock'}", flush=True)
            if not ok:
                problems.append(f"the gateway did not see the clock at {offset:+d} s (status {g:+.0f} s)")
            return ok

        pin = lambda unit, cell: modbus_write(sim_port, unit, 10000 + 1000 + cell - 1, 14600)    # cell voltage 14.6 V
        release = lambda unit, cell: modbus_write(sim_port, unit, 20000 + 1000 + cell - 1, 0)

        settle(0)
        start = time.time()
        pin(1, 1)                                   # A: raised now, cleared after the +1 h step
        pinned_a = time.time()
        time.sleep(phase - 1.5)
        pin(2, 1)                                   # B: its on-delay runs across the +1 h step
        pinned_b = time.time()
        time.sleep(1.5)
        step_forward = clock.set(3600)
        phases.append((0, launched, step_forward, start))
        settle(3600)
        release(1, 1)
        cleared_a = time.time()
        pin(1, 2)                                   # C: raised an hour ahead, cleared after the −1 h step
        pinned_c = time.time()
        time.sleep(max(0, phase - 1.5 - (time.time() - step_forward)))
        pin(2, 2)                                   # D: its on-delay runs across the −1 h step
        pinned_d = time.time()
        time.sleep(1.5)
        step_back = clock.set(0)
        phases.append((3600, step_forward, step_back, step_forward))
        settle(0)
        release(1, 2)
        cleared_c = time.time()
        time.sleep(max(on_delay + 3, phase - (time.time() - step_back)))
        end = time.time()
        release(2, 1)
        release(2, 2)
        time.sleep(2)
    finally:
        if watch:
            watch.stop()
        alive = gw.alive()
        gw.stop()
        if len(phases) == 2:
            phases.append((0, step_back, time.time(), step_back))
        time.sleep(1)
        sub.terminate(); sub.wait(); received.close()
        broker.terminate(); broker.wait()
        sim.terminate(); sim.wait()

    # History: rows per string in each phase's wall-clock window (from the gateway's start to its stop,
    # so every row belongs to one), and the rate while the strings were polled steadily (1 s trimmed).
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    keys = dict(con.execute("SELECT id, key FROM strings").fetchall())

    def rows(i, a, b):
        return con.execute("SELECT count(*) FROM samples WHERE key >= ? AND key < ?",
                           ((keys[f"s{i}"] << 42) | int(a * 1000), (keys[f"s{i}"] << 42) | int(b * 1000))).fetchone()[0]

    history, inside = [], 0
    for offset, a, b, steady in phases:
        inside += sum(rows(i, a + offset, b + offset) for i in range(1, 5))
        seconds = b - steady - 2
        history.append((offset, seconds, [rows(i, steady + 1 + offset, b - 1 + offset) for i in range(1, 5)],
                        (steady + 1 + offset, b - 1 + offset)))
    total = con.execute("SELECT count(*) FROM samples").fetchone()[0]
    # The newest row by time stamp (what `latest` and `bmgw status` without a gateway show) vs the last written.
    newest = con.execute("SELECT max(key & ((1 << 42) - 1)) FROM samples").fetchone()[0] / 1000
    rollups = con.execute("SELECT key >> 42, key & ((1 << 42) - 1), samples FROM rollups").fetchall()
    stale = []
    for string_key, hour, counted in rollups:
        raw = con.execute("SELECT count(*) FROM samples WHERE key >= ? AND key < ?",
                          ((string_key << 42) | hour, (string_key << 42) | (hour + 3_600_000))).fetchone()[0]
        if raw != counted:
            stale.append((string_key, hour, counted, raw))
    alarm_rows = con.execute("SELECT id, raised_at, cleared_at FROM alarms").fetchall()
    con.close()
    logged_ok = all(min(per) >= 0.8 * seconds for _, seconds, per, _ in history)

    # Alarms: durations, and the real time each on-delay took.
    a, c = alarm_row(db, "s1", 1), alarm_row(db, "s1", 2)
    b, d = alarm_row(db, "s2", 1), alarm_row(db, "s2", 2)
    negative = [(i, (cl - r) / 1000) for i, r, cl in alarm_rows if cl is not None and cl < r]

    def duration(row, real):
        if not row or row[2] is None:
            return "not cleared", False
        shown = (row[2] - row[1]) / 1000
        return f"{shown:+.1f} s stored (real {real:.1f} s)", shown >= 0

    a_text, a_ok = duration(a, cleared_a - pinned_a) if a else ("never raised", False)
    c_text, c_ok = duration(c, cleared_c - pinned_c) if c else ("never raised", False)

    def on_delay_real(row, pinned):
        if not row or row[0] not in watch.raised:
            return "not raised", None
        took = watch.raised[row[0]] - pinned
        return f"raised {took:.1f} s after the condition began", took

    b_text, b_took = on_delay_real(b, pinned_b)
    d_text, d_took = on_delay_real(d, pinned_d)
    # The watcher polls every 0.2 s, a sample comes every second and a pin shows within 0.5 s: on time =
    # within [onDelay − 1, onDelay + 3] s of the write (the steps came 1.5 s after it).
    timely = lambda took: took is not None and on_delay - 1 <= took <= on_delay + 3

    # MQTT: completeness and order per priority class.
    seqs, order, times_back, last_time, measured = [], {0: [], 1: []}, 0, {}, []
    with open(f"{work}/received.txt", "rb") as f:
        for line in f:
            topic, _, payload = line.partition(b" ")
            try:
                message = json.loads(payload)
                seq = message["seq"]
            except Exception:
                continue
            seqs.append(seq)
            kind = 1 if topic.endswith((b"/measurement", b"/gateway", b"/site")) else 0
            order[kind].append(seq)
            if topic.endswith(b"/measurement"):
                t = iso_seconds(message["time"])
                if t < last_time.get(topic, 0):
                    times_back += 1
                last_time[topic] = t
                measured.append(t)
    assigned = scalar(f"{data}/outbox.sqlite", "SELECT value FROM counters WHERE name = 'next_seq'") - 1
    missing = sorted(set(range(1, assigned + 1)) - set(seqs))
    inversions = 0   # a number arriving after a higher one of its class (a repeat, QoS 1, is none)
    for k in order:
        seen, top = set(), 0
        for seq in order[k]:
            if seq not in seen and seq < top:
                inversions += 1
            seen.add(seq)
            top = max(top, seq)
    mqtt_ok = assigned > 0 and not missing and inversions == 0

    ok = (alive and not problems and logged_ok and inside == total and not stale and a_ok and c_ok and not negative
          and timely(b_took) and timely(d_took) and mqtt_ok)
    # Beside the rows, the measurements published over MQTT with times in the same window (all strings):
    # the polls went on.
    phase_text = "; ".join(f"{off:+d} s for {secs:.0f} s: {'/'.join(map(str, per))} "
                           f"(published {sum(1 for t in measured if lo <= t < hi)})" for off, secs, per, (lo, hi) in history)
    report("wall clock stepped +1 h, then −1 h (libfaketime)", ok,
           f"{'; '.join(problems) + '; ' if problems else ''}gateway alive: {alive}. "
           f"HISTORY rows per string (s1/s2/s3/s4) in each phase — {phase_text}; {total} rows, {total - inside} outside the "
           f"clock's windows; the newest time stamp is {newest - end:+.0f} s from the real end; {len(rollups)} hourly rollups, not matching "
           f"their raw rows: {len(stale)}{' ' + str(stale[:3]) if stale else ''}. "
           f"ALARMS: across +1 h {a_text}; across −1 h {c_text}; negative durations {len(negative)}"
           f"{' ' + str(negative[:3]) if negative else ''}; onDelay {on_delay} s across +1 h: {b_text}, across −1 h: {d_text}. "
           f"MQTT: {assigned} sequence numbers assigned, {len(seqs)} received ({len(seqs) - len(set(seqs))} twice), "
           f"{len(missing)} missing{' ' + str(missing[:10]) if missing else ''}, {inversions} out of order within a priority class; "
           f"measurement times went back {times_back} times (the −1 h step; seq kept rising)")


# --- 6. An hour at full size with the web UI under light load: memory, descriptors, threads.

class WebLoad(threading.Thread):
    """A logged-in operator: the default administrator's password changed (as on a first login), then
    every `every` seconds one of the live pages or their JSON, on one kept-alive HTTPS connection
    (verified against the gateway's certificate). `lock` is held during each request, so a sample of
    the gateway's descriptors never counts a request in flight."""

    PATHS = ["/strings/a1", "/api/v1/strings/a1", "/api/v1/live", "/", "/strings/d8?size=120", "/api/v1/strings/d8"]

    def __init__(self, port, cafile, every, lock):
        super().__init__(daemon=True)
        self.port, self.cafile, self.every, self.lock = port, cafile, every, lock
        self.ok = self.failed = self.reconnects = self.bytes = 0
        self.errors, self.running, self.cookie, self.conn = [], True, None, None

    def request(self, method, path, form=None):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = urllib.parse.urlencode(form) if form else None
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=30,
                                                        context=ssl.create_default_context(cafile=self.cafile))
            try:
                self.conn.request(method, path, body=body, headers=headers)
                r = self.conn.getresponse()
                return r, r.read()
            except (http.client.RemoteDisconnected, ConnectionError, http.client.CannotSendRequest) as error:
                self.conn.close()
                self.conn = None
                self.reconnects += 1
                if attempt == 2:
                    raise error

    def log_in(self):
        r, _ = self.request("POST", "/login", {"username": "admin", "password": "admin"})
        self.cookie = (r.getheader("Set-Cookie") or "").split(";")[0]
        _, page = self.request("GET", "/password")
        csrf = re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()
        new = "chaos-soak-password"
        r, _ = self.request("POST", "/password", {"csrf": csrf, "current": "admin", "new": new, "confirm": new})
        if r.status != 302 or r.getheader("Location") != "/":
            raise RuntimeError(f"password change answered {r.status} {r.getheader('Location')}")

    def run(self):
        i = 0
        while self.running:
            path = self.PATHS[i % len(self.PATHS)]
            i += 1
            with self.lock:
                try:
                    r, body = self.request("GET", path)
                    if r.status == 200 and len(body) > 100:
                        self.ok += 1
                        self.bytes += len(body)
                    else:
                        self.failed += 1
                        self.errors.append(f"{path}: {r.status}")
                except Exception as error:
                    self.failed += 1
                    self.errors.append(f"{path}: {error!r}")
            time.sleep(self.every)

    def stop(self):
        self.running = False
        self.join(self.every + 35)
        if self.conn:
            self.conn.close()


def proc_figures(pid):
    """VmRSS, RssAnon, RssFile (kB), threads, open descriptors of a process."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()[0] if value.split() else ""
    return (int(fields["VmRSS"]), int(fields["RssAnon"]), int(fields["RssFile"]), int(fields["Threads"]),
            len(os.listdir(f"/proc/{pid}/fd")))


GLIBC_HEAP = 64 << 20   # a glibc arena other than the main one lives in its own 64 MB-aligned reservation


def malloc_arenas(pid):
    """glibc's extra malloc arenas of a process, from /proc/PID/smaps: (count, resident kB). Each is an
    anonymous mapping starting on a 64 MB boundary, its used part rw-p and the rest of the 64 MB ---p."""
    maps, current = [], None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ (\d+)\s*(\S*)", line)
            if head:
                current = [int(head[1], 16), int(head[2], 16), head[3], head[4] == "0" and not head[5], 0]
                maps.append(current)
            elif line.startswith("Rss:") and current:
                current[4] = int(line.split()[1])
    count = resident = 0
    for i, (start, end, perms, anon, rss) in enumerate(maps):
        if not anon or not perms.startswith("rw") or start % GLIBC_HEAP:
            continue
        rest = maps[i + 1] if i + 1 < len(maps) else None
        whole = end - start == GLIBC_HEAP
        reserved = rest and rest[0] == end and rest[1] == start + GLIBC_HEAP and rest[2].startswith("---") and rest[3]
        if whole or reserved:
            count += 1
            resident += rss
    return count, resident


def thread_kinds(pid):
    """Threads of a process by name (digits dropped: `NIO-ELT-0-#3` counts as `NIO-ELT--#`)."""
    kinds = {}
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/comm") as f:
                name = re.sub(r"\d+", "", f.read().strip())
        except OSError:
            continue
        kinds[name] = kinds.get(name, 0) + 1
    return kinds


def slope_per_hour(points):
    """Least-squares slope of (minutes, value) points, per hour."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(t for t, _ in points) / n
    my = sum(v for _, v in points) / n
    sxx = sum((t - mx) ** 2 for t, _ in points)
    return 60 * sum((t - mx) * (v - my) for t, v in points) / sxx if sxx else 0.0


# RSS may grow by less than this per hour after the warm-up. An hour cannot show a slow leak of a
# gateway meant to run for months; it shows a leak tied to the work done: 1 MB/h is ~1.4 % of the
# ~70 MB the gateway holds at full size (docs/performance.md), and the hour polls 115 200 string
# sweeps and logs as many samples (a leak of 10 bytes each would exceed it) and serves ~1 200 web
# requests (1 kB each would). Line-fit noise of one-minute samples is a few hundred kB/h.
SOAK_RSS_BOUND_MB_PER_HOUR = 1.0


def soak(bmgw, work, minutes):
    """`minutes` of the reference plant (config/demo.yaml: 32 × 120 cells polled every second, SNMP
    agent, web UI, alarms; history logged every second instead of the demo's 60 s) polling a separate
    simulator process, with a logged-in web user fetching a live page or its JSON every 3 s; the
    gateway's VmRSS, RssAnon, RssFile, threads and open descriptors sampled every minute (every 10 s in
    runs under 15 min); a line fitted after the warm-up (5 min; a quarter of a shorter run)."""
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.normpath(os.path.join(here, "..", ".."))
    sim, sim_port = start_simulator(bmgw, work, 32, 120)
    web_port, snmp_port, remote_port = free_port(), free_port(socket.SOCK_DGRAM), free_port()
    text = open(os.path.join(root, "config", "demo.yaml")).read()
    text = re.sub(r"(?ms)^simulator:.*?^\n", "", text)
    for old, new in [("port: 15020", f"port: {sim_port}"), ("dataDirectory: ../data", f"dataDirectory: {work}/data"),
                     ("registerMap: bmc-v1", f"registerMap: {root}/config/registermaps/bmc-v1.yaml"),
                     ("listen: udp:127.0.0.1:1161", f"listen: udp:127.0.0.1:{snmp_port}"),
                     ("listen: 127.0.0.1:8443", f"listen: 127.0.0.1:{web_port}"), ("redirectFrom: 127.0.0.1:8080", 'redirectFrom: ""'),
                     ("listen: 127.0.0.1:8802", f"listen: 127.0.0.1:{remote_port}"), ("slowInterval: 60s", "slowInterval: 1s")]:
        if old not in text:
            raise RuntimeError(f"config/demo.yaml has no '{old}' any more: adapt chaos.py's soak")
        text = text.replace(old, new)
    config = f"{work}/soak.yaml"
    with open(config, "w") as f:
        f.write(text)
    gw = Gateway(bmgw, config, f"{work}/gateway.log")
    cafile = f"{work}/data/web-cert.pem"
    if not wait_for(lambda: os.path.exists(cafile) and socket.create_connection(("127.0.0.1", web_port), 1).close() is None, 120):
        raise RuntimeError("the web UI did not come up")
    lock = threading.Lock()
    load = WebLoad(web_port, cafile, 3, lock)
    load.log_in()
    load.start()
    interval = 60 if minutes >= 15 else 10
    warmup = 5.0 if minutes >= 15 else minutes / 4
    samples = []   # (minutes, VmRSS, RssAnon, RssFile, threads, fds, malloc arenas, their resident kB)
    kinds_before = {}
    started = time.time()
    deadline = started + minutes * 60
    next_sample = started
    alive = True
    while True:
        now = time.time()
        if now >= next_sample:
            if not gw.alive():
                alive = False
                break
            with lock:
                figures = proc_figures(gw.proc.pid)
            arenas = malloc_arenas(gw.proc.pid)
            kinds = thread_kinds(gw.proc.pid)
            samples.append(((now - started) / 60, *figures, *arenas))
            m = samples[-1]
            if interval == 60 or len(samples) % 6 == 1:
                print(f"      soak {m[0]:5.1f} min: RSS {m[1] / 1024:.1f} MB (anon {m[2] / 1024:.1f}, file {m[3] / 1024:.1f}), "
                      f"{m[4]} threads, {m[5]} fds, {m[6]} malloc arenas ({m[7] / 1024:.1f} MB); "
                      f"web {load.ok} ok / {load.failed} failed", flush=True)
            if kinds != kinds_before:
                change = {k: kinds.get(k, 0) - kinds_before.get(k, 0) for k in set(kinds) | set(kinds_before)}
                print(f"      soak {m[0]:5.1f} min: threads " + ", ".join(
                    f"{k or '?'} {kinds.get(k, 0)}{f' ({d:+d})' if kinds_before and d else ''}"
                    for k, d in sorted(change.items())), flush=True)
                kinds_before = kinds
            next_sample += interval
        if now >= deadline:
            break
        time.sleep(min(1.0, max(0.0, next_sample - time.time())))
    strings_ok = 0
    if alive:
        strings_ok = sum(1 for s in status_json(bmgw, config)["strings"] if s["summary"]["quality"] == "ok")
    load.stop()
    gw.stop()
    sim.terminate(); sim.wait()
    after = [s for s in samples if s[0] >= warmup]
    if len(after) < 3:
        report(f"soak {minutes:g} min at 32 × 120", False, f"gateway alive: {alive}; only {len(samples)} samples")
        return
    first, last = after[0], samples[-1]
    rss_h = slope_per_hour([(s[0], s[1] / 1024) for s in after])
    anon_h = slope_per_hour([(s[0], s[2] / 1024) for s in after])
    file_h = slope_per_hour([(s[0], s[3] / 1024) for s in after])
    fds_h = slope_per_hour([(s[0], s[5]) for s in after])
    fds_ok = last[5] <= first[5]
    # The gateway's RSS settles over its first minutes: a fit over less than 10 minutes after the
    # warm-up says nothing about growth, and such a run (`--quick --only soak`) does not judge it.
    judged = last[0] - first[0] >= 10
    ok = (alive and strings_ok == 32 and load.failed == 0 and fds_ok
          and (not judged or (rss_h < SOAK_RSS_BOUND_MB_PER_HOUR and anon_h < SOAK_RSS_BOUND_MB_PER_HOUR)))
    start0 = samples[0]
    report(f"soak {minutes:g} min at 32 × 120 with the web UI", ok,
           f"gateway alive: {alive}, strings ok at the end {strings_ok}/32; web: {load.ok} pages and JSON fetched "
           f"({load.bytes / 1e6:.0f} MB), {load.failed} failed{' ' + str(load.errors[:3]) if load.errors else ''}, "
           f"{load.reconnects} reconnects; {len(samples)} samples every {interval} s. "
           f"Start {start0[0]:.1f} min / after warm-up {first[0]:.1f} min / end {last[0]:.1f} min: "
           f"RSS {start0[1] / 1024:.1f} / {first[1] / 1024:.1f} / {last[1] / 1024:.1f} MB, "
           f"anon {start0[2] / 1024:.1f} / {first[2] / 1024:.1f} / {last[2] / 1024:.1f} MB, "
           f"file {start0[3] / 1024:.1f} / {first[3] / 1024:.1f} / {last[3] / 1024:.1f} MB, "
           f"threads {start0[4]} / {first[4]} / {last[4]}, malloc arenas {start0[6]} / {first[6]} / {last[6]} "
           f"({start0[7] / 1024:.1f} / {first[7] / 1024:.1f} / {last[7] / 1024:.1f} MB), fds {start0[5]} / {first[5]} / {last[5]} "
           f"(min {min(s[5] for s in after)}, max {max(s[5] for s in after)} after warm-up). "
           f"Fitted after {warmup:.1f} min: RSS {rss_h:+.2f} MB/h (anon {anon_h:+.2f}, file {file_h:+.2f}), fds {fds_h:+.2f}/h "
           f"(bound: RSS and anon < {SOAK_RSS_BOUND_MB_PER_HOUR:.0f} MB/h"
           f"{'' if judged else ', NOT JUDGED: under 10 minutes after the warm-up'}; fds at the end ≤ after warm-up)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bmgw", required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="")
    parser.add_argument("--soak-minutes", type=float, help="length of the soak (default 60; 2 with --quick)")
    args = parser.parse_args()
    quick = args.quick
    soak_minutes = args.soak_minutes or (2 if quick else 60)
    parts = {
        "broker": lambda w: kills_with_broker_down(args.bmgw, w, 3 if quick else 10),
        "replay": lambda w: kills_during_replay(args.bmgw, w, 3 if quick else 10, 150_000 if quick else 400_000),
        "writes": lambda w: kills_during_writes(args.bmgw, w, 10 if quick else 100, 8 if quick else 32, 120),
        "snmp": lambda w: hostile_snmp(args.bmgw, w, 2000 if quick else 10000),
        "modbus": lambda w: hostile_modbus(args.bmgw, w, 1000 if quick else 10000, 16 if quick else 31),
        "configs": lambda w: mutated_configs(args.bmgw, w, 100 if quick else 500),
        "diskfull": lambda w: disk_full(args.bmgw, w),
        # Quick: 10 s phases and a 5 s on-delay (under a minute); else 75 s phases, so that the history's
        # hourly maintenance (every 60 s) runs with the clock an hour ahead too.
        "clock": lambda w: clock_steps(args.bmgw, w, 10 if quick else 75, 5 if quick else 10),
        "soak": lambda w: soak(args.bmgw, w, soak_minutes),
    }
    # The soak is an hour: not part of --quick (CI's budget) unless named with --only.
    chosen = [p for p in args.only.split(",") if p] or [p for p in parts if not (quick and p == "soak")]
    unknown = [p for p in chosen if p not in parts]
    if unknown:
        parser.error(f"unknown part {', '.join(unknown)}; known: {', '.join(parts)}")
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
