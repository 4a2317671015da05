#!/usr/bin/env python3
"""Cost curves against plant size (scripts/bench.sh scale; issue 18 item 1). For each size N (strings of
120 cells), a separate `bmgw simulate` process with units 1…N and a gateway polling it every second with
the reference plant's services (config/demo.yaml: SNMP agent, web UI, remote access, alarms; history
logged every second as in chaos.py's soak, so that its growth shows in a minute). After a warm-up of 75 s
(the gateway gives back its start-up pages at 60 s), over a quiet 60 s window: the gateway's CPU, memory,
threads, malloc arena, database growth and per-string sweep times (its Prometheus histogram). Then bare
libmodbus sweeps of the same blocks (a C program built here, as chaos.py builds its shim) beside the
running gateway, half a second out of its phase; an SNMP bulk walk; 50 HTTPS clients on string pages.
Ingest time per snapshot cannot be seen from outside: `bmgw bench ingest --strings N` gives it, after the
gateway is stopped. `--check` (the test suite runs `--quick --check`) fails unless every column has a figure.

Sizes past 32 (the product's limit) load with BMGW_MEASURE_MAX_STRINGS, set here for every bmgw started.

  scale.py --bmgw PATH [--sizes 8,16,32,64,128] [--quick] [--check] [--json FILE] [--svg docs/scale.svg]
"""
import argparse
import http.client
import json
import math
import os
import re
import signal
import socket
import sqlite3
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chaos  # noqa: E402  (its STARTED list is where everything started here is killed from)
from chaos import (Gateway, WebLoad, free_port, malloc_arenas, proc_figures, start_simulator,  # noqa: E402
                   status_json, thread_kinds, wait_for)

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CELLS = 120
STRINGS_PER_UPS = 8                          # as config/demo.yaml: ups-a holds a1…a8, ups-b b1…b8, …
ENTERPRISE = ".1.3.6.1.4.1.32473"            # BTMS-GATEWAY-MIB (mibs/), RFC 5612's documentation number
STRING_NAME = ENTERPRISE + ".1.3.1.3."       # btmsStringName.<string>: one per string the agent serves
CELL_ENTRY = ENTERPRISE + ".1.4.1."          # btmsCellEntry.<column>.<string>.<cell>
TOKEN = "scale-bench-scrape-token"           # web.metrics.token (≥ 16 characters)
PASSWORD = "chaos-soak-password"             # what chaos.WebLoad.log_in sets on the first login
DEFAULT_SLOW_INTERVAL = 60                   # s: history.slowInterval's default (docs/configuration.md)


# --- The plant: config/demo.yaml's services, N generated strings.

def string_ids(n):
    """a1…a8, b1…b8, …: the demo's names continued (p8 is the 128th), so its a1 override still applies."""
    return [f"{chr(ord('a') + i // STRINGS_PER_UPS)}{i % STRINGS_PER_UPS + 1}" for i in range(n)]


def plant_config(work, n, sim_port, snmp_port, web_port):
    """config/demo.yaml with chaos.py soak()'s substitutions (ports, data directory, history every
    second, no built-in simulator), /metrics on with a token, and its UPSes and strings replaced by N
    strings of 120 cells on the separate simulator, 8 per UPS."""
    text = open(os.path.join(ROOT, "config", "demo.yaml")).read()
    text = re.sub(r"(?ms)^simulator:.*?^\n", "", text)
    for old, new in [("dataDirectory: ../data", f"dataDirectory: {work}/data"),
                     ("listen: udp:127.0.0.1:1161", f"listen: udp:127.0.0.1:{snmp_port}"),
                     ("listen: 127.0.0.1:8443", f"listen: 127.0.0.1:{web_port}"),
                     ("redirectFrom: 127.0.0.1:8080", f'redirectFrom: ""\n  metrics: {{ token: {TOKEN} }}'),
                     ("listen: 127.0.0.1:8802", f"listen: 127.0.0.1:{free_port()}"), ("slowInterval: 60s", "slowInterval: 1s")]:
        if old not in text:
            raise RuntimeError(f"config/demo.yaml has no '{old}' any more: adapt scale.py")
        text = text.replace(old, new)
    text = re.sub(r"(?ms)^ups:.*", "", text)  # the demo's 4 UPSes and 32 strings: its last sections
    ids = string_ids(n)
    upses = sorted({s[0] for s in ids})
    lines = ["ups:", *[f"  - {{ id: ups-{u}, name: UPS {u.upper()} }}" for u in upses], "strings:"]
    map_file = os.path.join(ROOT, "config", "registermaps", "bmc-v1.yaml")
    for unit, sid in enumerate(ids, 1):
        lines.append(f"  - {{ id: {sid}, name: String {sid.upper()}, ups: ups-{sid[0]}, cells: {CELLS}, registerMap: {map_file}, "
                     f"modbus: {{ tcp: {{ host: 127.0.0.1, port: {sim_port}, unit: {unit} }} }} }}")
    path = f"{work}/gateway.yaml"
    with open(path, "w") as f:
        f.write(text + "\n".join(lines) + "\n")
    return path


def read_blocks(map_file, cells):
    """The reads of one string sweep, as RegisterMap/ReadPlan.swift merges them: every documented
    register (identity, string, cells × `cells`), sorted, merged across gaps ≤ maxGap into reads of
    ≤ maxBlock registers. Parses the flow-style entries of a map like bmc-v1.yaml (stdlib, no YAML)."""
    text = open(map_file).read()
    max_block = int(re.search(r"(?m)^maxBlock:\s*(\d+)", text)[1])
    max_gap = int(re.search(r"(?m)^maxGap:\s*(\d+)", text)[1])
    spans, section = [], None
    lines = text.split("\n")
    for i, line in enumerate(lines):
        top = re.match(r"^(\w+):", line)
        if top:
            section = top[1]
        address = re.search(r"\baddress:\s*(\d+)", line)
        if not address or section not in ("identity", "string", "cells"):
            continue  # writable: settings, not read by a sweep
        rest = " ".join([line] + lines[i + 1:i + 3])  # `type:` may follow on the next line (status)
        kind = re.search(r"\btype:\s*(\w+)", rest)
        table = re.search(r"\btable:\s*(\w+)", line)
        width = 2 if kind and kind[1] in ("u32", "s32") else 1
        start = int(address[1])
        for cell in range(cells if section == "cells" else 1):
            spans.append((table[1] if table else "input", start + cell, width))
    blocks = []
    for table, start, width in sorted(spans):
        end = start + width
        if blocks and blocks[-1][0] == table and start <= blocks[-1][1] + blocks[-1][2] + max_gap \
                and max(blocks[-1][1] + blocks[-1][2], end) - blocks[-1][1] <= max_block:
            blocks[-1][2] = max(blocks[-1][1] + blocks[-1][2], end) - blocks[-1][1]
        else:
            blocks.append([table, start, width])
    if any(b[0] != "input" for b in blocks):
        raise RuntimeError("the bare reference reads input registers only; this map has holding ones")
    return [(start, count) for _, start, count in blocks]


# --- Bare libmodbus: N threads, one connection each, each reading its string's blocks once a second.
# The gateway starts its links together and each keeps its phase (Acquisition.start: due += pollInterval),
# so its N sweeps hit the simulator within a few ms of each other every second; the reference keeps the
# same phases shifted by half a second, and runs beside the gateway: both are timed over the same seconds
# of this shared machine without meeting at the simulator. (bmgw bench tcp starts all at once instead.)

BARE_SWEEP_C = r"""
#include <modbus.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int strings, rounds, nblocks, *starts, *counts, failures;
static double base_s, *phase_s, *took;   /* took[round * strings + string], ms */
static modbus_t **ctx;

static double now_s(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void sleep_until(double s) {   /* wall clock: the gateway's phases are wall-clock times */
    struct timespec t = { (time_t)s, (long)((s - (time_t)s) * 1e9) };
    while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &t, NULL) != 0) {}
}

static void *link_thread(void *arg) {
    long s = (long)arg;
    uint16_t regs[MODBUS_MAX_READ_REGISTERS];
    for (int r = 0; r < rounds; r++) {
        sleep_until(base_s + r + phase_s[s]);
        double t0 = now_s(CLOCK_MONOTONIC);
        for (int b = 0; b < nblocks; b++)
            if (modbus_read_input_registers(ctx[s], starts[b], counts[b], regs) != counts[b])
                __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
        took[r * strings + s] = (now_s(CLOCK_MONOTONIC) - t0) * 1e3;
    }
    return NULL;
}

/* bare-sweep PORT STRINGS ROUNDS START:COUNT... < phases (s within the wall-clock second, one per string)
   prints "string MS" per string and round, round by round, then "failures N" */
int main(int argc, char **argv) {
    if (argc < 5) return 2;
    int port = atoi(argv[1]);
    strings = atoi(argv[2]); rounds = atoi(argv[3]); nblocks = argc - 4;
    starts = calloc(nblocks, sizeof *starts); counts = calloc(nblocks, sizeof *counts);
    for (int b = 0; b < nblocks; b++) sscanf(argv[4 + b], "%d:%d", &starts[b], &counts[b]);
    phase_s = calloc(strings, sizeof *phase_s);
    for (int s = 0; s < strings; s++) if (scanf("%lf", &phase_s[s]) != 1) phase_s[s] = 0;
    took = calloc((size_t)rounds * strings, sizeof *took);
    /* Connected one after the other (the simulator listens with a backlog of 64), each tried 5 times. */
    ctx = calloc(strings, sizeof *ctx);
    for (int s = 0; s < strings; s++) {
        ctx[s] = modbus_new_tcp("127.0.0.1", port);
        modbus_set_slave(ctx[s], s + 1);
        modbus_set_response_timeout(ctx[s], 1, 0);
        int tries = 0;
        while (modbus_connect(ctx[s]) != 0 && ++tries < 5) usleep(100000);
        if (tries == 5) failures++;
    }
    base_s = (double)(time_t)now_s(CLOCK_REALTIME) + 1;   /* the next whole second */
    pthread_t *threads = calloc(strings, sizeof *threads);
    for (long s = 0; s < strings; s++) pthread_create(&threads[s], NULL, link_thread, (void *)s);
    for (long s = 0; s < strings; s++) pthread_join(threads[s], NULL);
    for (int i = 0; i < rounds * strings; i++) printf("string %.4f\n", took[i]);
    printf("failures %d\n", failures);
    return 0;
}
"""


def build_bare_sweep(work):
    """BARE_SWEEP_C built against the system's libmodbus (libmodbus-dev: scripts/install-deps.sh)."""
    src, exe = f"{work}/bare-sweep.c", f"{work}/bare-sweep"
    with open(src, "w") as f:
        f.write(BARE_SWEEP_C)
    error = "no C compiler (cc, gcc, clang)"
    for compiler in ("cc", "gcc", "clang"):
        try:
            r = subprocess.run([compiler, "-O2", "-I/usr/include/modbus", "-o", exe, src, "-lmodbus", "-lpthread"],
                               capture_output=True, text=True)
        except FileNotFoundError:
            continue
        if r.returncode == 0:
            return exe
        error = r.stderr.strip()[-300:]
    print(f"no bare libmodbus reference: cannot build it ({error})", flush=True)
    return None


def bare_sweeps(exe, port, phases, blocks, rounds):
    """Starts `rounds` rounds a second apart, each string's reads at its phase (s in the wall-clock
    second); returns the process, and, from `result(proc)`, the per-string read times (ms), the
    slowest string of each round and the failed reads."""
    proc = subprocess.Popen([exe, str(port), str(len(phases)), str(rounds), *[f"{s}:{c}" for s, c in blocks]],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    chaos.STARTED.append(proc)
    proc.stdin.write("\n".join(f"{p:.4f}" for p in phases))
    proc.stdin.close()
    return proc


def bare_result(proc, n):
    out = proc.stdout.read()
    proc.wait(120)
    per = [float(l.split()[1]) for l in out.split("\n") if l.startswith("string ")]
    failures = int(re.search(r"failures (\d+)", out)[1]) if "failures" in out else -1
    slowest = [max(per[i:i + n]) for i in range(0, len(per), n)]
    return per, slowest, failures


# --- Readings of the running gateway.

def cpu_seconds(pid):
    """utime + stime of a process, s (/proc/PID/stat fields 14 and 15; after the name in parentheses)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database(db):
    """Bytes in use (pages less free pages, the WAL's included: a reader sees them) and sample rows."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        pages, free, size = (con.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_count", "freelist_count", "page_size"))
        return (pages - free) * size, con.execute("SELECT count(*) FROM samples").fetchone()[0]
    finally:
        con.close()


def https(port, cafile):
    return http.client.HTTPSConnection("127.0.0.1", port, timeout=60, context=ssl.create_default_context(cafile=cafile))


def scrape(port, cafile):
    """/metrics as {(name, labels text): value}."""
    conn = https(port, cafile)
    try:
        conn.request("GET", "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        r = conn.getresponse()
        body = r.read().decode()
        if r.status != 200:
            raise RuntimeError(f"/metrics answered {r.status}")
    finally:
        conn.close()
    out = {}
    for line in body.split("\n"):
        m = re.match(r"^(\w+)(\{[^}]*\})?\s+(\S+)$", line)
        if m:
            out[(m[1], m[2] or "")] = float(m[3])
    return out


def per_string(metrics, name):
    """{string id: value} of a metric labelled by string (other labels in the text are ignored)."""
    out = {}
    for (n, labels), v in metrics.items():
        s = re.search(r'string="([^"]+)"', labels)
        if n == name and s:
            out[s[1]] = v
    return out


def histogram_means(before, after):
    """Each string's mean sweep (ms) between two scrapes, from bmgw_poll_duration_seconds' sum and count."""
    s0, s1 = per_string(before, "bmgw_poll_duration_seconds_sum"), per_string(after, "bmgw_poll_duration_seconds_sum")
    k0, k1 = per_string(before, "bmgw_poll_duration_seconds_count"), per_string(after, "bmgw_poll_duration_seconds_count")
    return [1000 * (s1[s] - s0.get(s, 0)) / (k1[s] - k0.get(s, 0)) for s in s1 if k1[s] > k0.get(s, 0)]


def thread_stacks(pid):
    """Threads' stacks: anonymous rw mappings of exactly 8 MiB (Foundation's and Dispatch's threads
    here), (count, resident kB)."""
    count = resident = 0
    size = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ (\d+)\s*(\S*)", line)
            if head:
                size = int(head[2], 16) - int(head[1], 16) if head[3].startswith("rw") and head[4] == "0" and not head[5] else None
            elif line.startswith("Rss:") and size == 8 << 20:
                count += 1
                resident += int(line.split()[1])
    return count, resident


def snmp_walks(port, times=3):
    """`snmpbulkwalk -Cr50` of the BTMS subtree `times` times: (varbinds, seconds of each, string rows,
    strings in the cell table). Client start-up included, as in bench.sh."""
    seconds, lines = [], []
    for _ in range(times):
        t0 = time.perf_counter()
        r = subprocess.run(["snmpbulkwalk", "-v2c", "-c", "public", "-Cr50", "-Oqn", "-t", "5", "-r", "1",
                            f"udp:127.0.0.1:{port}", ENTERPRISE], capture_output=True, text=True, timeout=300)
        seconds.append(time.perf_counter() - t0)
        lines = [l for l in r.stdout.split("\n") if l.startswith(".")]
    rows = sum(1 for l in lines if l.startswith(STRING_NAME))
    cell_strings = {l[len(CELL_ENTRY):].split(".")[1] for l in lines if l.startswith(CELL_ENTRY)}
    return len(lines), seconds, rows, len(cell_strings)


def round_offsets(began):
    """{string: when its sweep began, s (wall clock)} → (the round's start in the second, {string: s
    after it}): phases on the 1 s circle, the round starting after the widest gap (a scrape may fall
    inside a round, some links' last sweep in it and some in the one before)."""
    phase = {s: t % 1.0 for s, t in began.items()}
    ordered = sorted(phase.values())
    gaps = [((ordered[(i + 1) % len(ordered)] - ordered[i]) % 1.0, ordered[(i + 1) % len(ordered)]) for i in range(len(ordered))]
    start = max(gaps)[1] if len(ordered) > 1 else ordered[0]
    return start, {s: (p - start) % 1.0 for s, p in phase.items()}


def circular_mean(phases):
    """Mean of phases in [0, 1) s on the circle (0.99 and 0.01 average to 0, not 0.5)."""
    x = sum(math.cos(2 * math.pi * p) for p in phases)
    y = sum(math.sin(2 * math.pi * p) for p in phases)
    return (math.atan2(y, x) / (2 * math.pi)) % 1.0


def percentile(values, p):
    """Nearest rank (as latency.py)."""
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * p // 100) - 1)]


def web_users(port, cafile, clients):
    """`clients` logged-in operators (administrator sessions; the first login changes the default
    password, as on a new gateway: chaos.WebLoad.log_in), each with a kept-alive HTTPS connection.
    Logged in during the warm-up: 50 bcrypt checks are not what is measured."""
    users = [WebLoad(port, cafile, 0, None) for _ in range(clients)]
    users[0].log_in()
    for u in users[1:]:
        r, _ = u.request("POST", "/login", {"username": "admin", "password": PASSWORD})
        u.cookie = (r.getheader("Set-Cookie") or "").split(";")[0]
        if r.status != 302 or not u.cookie:
            raise RuntimeError(f"login answered {r.status}")
    return users


def web_load(users, ids, requests):
    """Every user in a thread of its own, fetching `requests` string pages /strings/<id> round the plant
    as fast as answered, all starting together. Server time is the gateway's `Server-Timing: app;dur=`
    (handler and rendering, not TLS or the network); the client's own time is kept too but is mostly
    Python's TLS on the same 2 cores, competing with the server."""
    clients = len(users)
    server, client, failed, slow = [], [], [], []
    lock = threading.Lock()
    gate = threading.Barrier(clients)

    def run(k, user):
        gate.wait()  # all start together: 50 at once is the load
        for i in range(requests):
            path = f"/strings/{ids[(k * requests + i) % len(ids)]}"
            at, t0 = time.time(), time.perf_counter()
            try:
                r, body = user.request("GET", path)
            except Exception as error:
                with lock:
                    failed.append(repr(error))
                continue
            took = (time.perf_counter() - t0) * 1000
            timing = re.search(r"dur=([\d.]+)", r.getheader("Server-Timing") or "")
            with lock:
                if r.status == 200 and timing and len(body) > 1000:
                    server.append(float(timing[1]))
                    client.append(took)
                    if float(timing[1]) > 100:  # kept with their wall-clock time, to set beside the gateway's log
                        slow.append((round(at, 3), path, float(timing[1])))
                else:
                    failed.append(f"{path}: {r.status}")
    threads = [threading.Thread(target=run, args=(k, u), daemon=True) for k, u in enumerate(users)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    wall = time.perf_counter() - t0
    return server, client, failed, wall, sorted(slow)


def page_check(port, cafile, ids):
    """Past 32: does the real-time page list every string, and does the last string's page answer?"""
    user = WebLoad(port, cafile, 0, None)
    r, _ = user.request("POST", "/login", {"username": "admin", "password": PASSWORD})
    user.cookie = (r.getheader("Set-Cookie") or "").split(";")[0]
    _, overview = user.request("GET", "/")
    r, last = user.request("GET", f"/strings/{ids[-1]}")
    h, heatmap = user.request("GET", "/heatmap")
    user.conn.close()
    return overview.count(b"data-string="), r.status, len(last), f"{h.status}, {len(heatmap)} B"


def log_problems(log):
    """Warnings and errors of the gateway's log, counted by message (time stamps and numbers dropped)."""
    counts = {}
    for line in open(log, errors="replace"):
        if re.search(r"\b(warning|error|critical)\b", line):
            key = re.sub(r"\d+", "#", re.sub(r"^\S+\s+", "", line.strip()))[:140]
            counts[key] = counts.get(key, 0) + 1
    return counts


# --- One size.

def measure(args, n, root_work, bare_exe, blocks):
    work = tempfile.mkdtemp(prefix=f"n{n}-", dir=root_work)
    quick = args.quick
    warmup, window = (20, 15) if quick else (75, 60)
    sim, sim_port = start_simulator(args.bmgw, work, n, CELLS)
    snmp_port, web_port = free_port(socket.SOCK_DGRAM), free_port()
    config = plant_config(work, n, sim_port, snmp_port, web_port)
    checked = subprocess.run([args.bmgw, "check-config", config], capture_output=True, text=True)
    if checked.returncode != 0:
        raise RuntimeError(f"check-config refused {n} strings: {(checked.stdout + checked.stderr).strip()[:300]}")
    started = time.time()
    gw = Gateway(args.bmgw, config, f"{work}/gateway.log")
    ids = string_ids(n)
    out = {"strings": n}
    users = []
    try:
        cafile = f"{work}/data/web-cert.pem"

        def polled():
            return sum(s["summary"]["quality"] == "ok" for s in status_json(args.bmgw, config)["strings"]) == n
        if not wait_for(polled, 60, 0.5) or not wait_for(lambda: socket.create_connection(("127.0.0.1", web_port), 1).close() is None, 30):
            raise RuntimeError(f"the gateway did not poll all {n} strings or serve the web UI within a minute")
        out["polled_after_s"] = round(time.time() - started, 1)
        # Sessions opened now, in the warm-up (bcrypt, 50 logins), not in the measured window.
        users = web_users(web_port, cafile, 5 if quick else 50)
        time.sleep(max(0.0, started + warmup - time.time()))

        # The quiet window: 1 Hz polling and history alone. Scrapes bracket it, outside the CPU figure.
        m0 = scrape(web_port, cafile)
        db0, rows0 = database(f"{work}/data/history.sqlite")
        c0, t0 = cpu_seconds(gw.proc.pid), time.time()
        time.sleep(window)
        c1, t1 = cpu_seconds(gw.proc.pid), time.time()
        rss, anon, rss_file, threads, fds = proc_figures(gw.proc.pid)
        arenas, arenas_kb = malloc_arenas(gw.proc.pid)
        stacks, stacks_kb = thread_stacks(gw.proc.pid)
        kinds = thread_kinds(gw.proc.pid)
        db1, rows1 = database(f"{work}/data/history.sqlite")
        m1 = scrape(web_port, cafile)
        out.update(cpu_pct=100 * (c1 - c0) / (t1 - t0), rss_mb=rss / 1024, anon_mb=anon / 1024, file_mb=rss_file / 1024,
                   threads=threads, thread_kinds=kinds, fds=fds,
                   arenas=arenas, arenas_mb=arenas_kb / 1024, stacks=stacks, stacks_mb=stacks_kb / 1024)
        growth = (db1 - db0) / (t1 - t0)                       # bytes/s at one sample per string per second
        per_sample = (db1 - db0) / max(1, rows1 - rows0)
        out.update(db_bytes_per_s=growth, db_rows=rows1 - rows0, db_bytes_per_sample=per_sample,
                   db_day_1s_mb=growth * 86400 / 1e6,
                   db_day_default_mb=per_sample * n * 86400 / DEFAULT_SLOW_INTERVAL / 1e6)

        # Sweep: each string's mean over the window from the poll histogram (sum and count deltas).
        means = histogram_means(m0, m1)
        k0, k1 = per_string(m0, "bmgw_poll_duration_seconds_count"), per_string(m1, "bmgw_poll_duration_seconds_count")
        out.update(sweeps_counted=int(sum(k1[s] - k0.get(s, 0) for s in k1)), strings_up=int(sum(per_string(m1, "bmgw_string_up").values())),
                   sweep_med_ms=statistics.median(means), sweep_max_ms=max(means), sweep_strings=len(means))
        # A round: the slowest string's last sweep, over a few scrapes a second apart (the links keep
        # their phases, so the last sweeps are one round's). And each link's phase, for the bare
        # reference: when its last sweep began (the sample's time, stamped as the reads end, less the
        # sweep), the median over the scrapes.
        full, starts, offsets = [], [], {}
        for _ in range(3 if quick else 5):
            time.sleep(1.1)
            m = scrape(web_port, cafile)
            last, stamp = per_string(m, "bmgw_string_sweep_seconds"), per_string(m, "bmgw_string_sample_timestamp_seconds")
            full.append(1000 * max(last.values()))
            start, offset = round_offsets({s: stamp[s] - last[s] for s in last if s in stamp})
            starts.append(start)
            for s, o in offset.items():
                offsets.setdefault(s, []).append(o)
        out["full_sweep_ms"] = statistics.median(full)
        offset = {s: statistics.median(o) for s, o in offsets.items()}
        out.update(phase_spread_ms=1000 * max(offset.values()))

        # Bare libmodbus beside the gateway, half a second after each link's phase; the gateway's
        # sweeps over the same seconds from the histogram (scrapes before and after).
        if bare_exe:
            round_start = circular_mean(starts)
            phases = [(round_start + 0.5 + offset.get(sid, 0)) % 1.0 for sid in ids]
            rounds = 8 if quick else 30
            ma = scrape(web_port, cafile)
            proc = bare_sweeps(bare_exe, sim_port, phases, blocks, rounds)
            per, slowest, failures = bare_result(proc, n)
            mb = scrape(web_port, cafile)
            beside = histogram_means(ma, mb)
            out.update(bare_med_ms=statistics.median(per), bare_max_ms=max(per), bare_full_ms=statistics.median(slowest),
                       bare_failures=failures, bare_rounds=rounds, sweep_beside_med_ms=statistics.median(beside))
            out["ratio"] = out["sweep_beside_med_ms"] / out["bare_med_ms"]

        varbinds, walk, rows, cell_strings = snmp_walks(snmp_port, 2 if quick else 3)
        out.update(varbinds=varbinds, walk_s=statistics.median(walk), walk_all_s=walk, snmp_string_rows=rows,
                   snmp_cell_strings=cell_strings)

        web_began = time.time()
        server, client, failed, wall, slow = web_load(users, ids, 10 if quick else 25)
        out.update(web_slow=len(slow), web_slow_first=slow[:5], web_slow_span_s=round(slow[-1][0] - slow[0][0], 3) if slow else None,
                   web_began=web_began, web_wall_s=wall)
        out.update(web_clients=len(users), web_requests=len(server), web_failed=len(failed), web_failures=failed[:3],
                   web_p50_ms=percentile(server, 50) if server else None, web_p99_ms=percentile(server, 99) if server else None,
                   web_client_p50_ms=percentile(client, 50) if client else None,
                   web_client_p99_ms=percentile(client, 99) if client else None, web_rps=len(server) / wall)
        listed, last_status, last_bytes, heatmap_bytes = page_check(web_port, cafile, ids)
        out.update(page_lists=listed, last_string_page=last_status, last_string_page_bytes=last_bytes, heatmap=heatmap_bytes)
        rss2, anon2, *_ = proc_figures(gw.proc.pid)
        out.update(rss_after_load_mb=rss2 / 1024, anon_after_load_mb=anon2 / 1024)
        alarms = {re.search(r'type="([^"]+)"', k)[1]: int(v) for (name, k), v in m1.items() if name == "bmgw_alarms_active" and v}
        out.update(active_alarms=sum(alarms.values()), alarms_by_type=alarms, gateway_alive=gw.alive())
    finally:
        for u in users:
            if u.conn:
                u.conn.close()
        gw.stop()
    out["log_problems"] = log_problems(f"{work}/gateway.log")
    # What the gateway logged while the web clients ran (its log has whole seconds).
    if "web_began" in out:
        stamp = lambda t: time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t))
        first, last = stamp(out["web_began"] - 1), stamp(out["web_began"] + out["web_wall_s"] + 1)
        out["log_during_web"] = [l.strip()[:200] for l in open(f"{work}/gateway.log", errors="replace") if first <= l[:19] <= last][:20]

    sim.terminate()
    sim.wait()
    out["ingest_ms"] = ingest_median(args.bmgw, n)
    return out


def ingest_median(bmgw, n):
    """Median ms to store one snapshot of n strings (`bmgw bench ingest`, 300 snapshots), or None."""
    done = subprocess.run([bmgw, "bench", "ingest", "--strings", str(n)], capture_output=True, text=True, timeout=600)
    m = re.search(r"median ([0-9.]+) ms", done.stdout)
    return float(m.group(1)) if done.returncode == 0 and m else None


# --- Output: rows, the table, fitted growth, the plot.

# (key, column head, width, format); None in a column: not measured.
COLUMNS = [
    ("strings", "N", 4, "{:d}"),
    ("sweep_med_ms", "sweep med", 9, "{:.2f}"),
    ("sweep_max_ms", "sweep max", 9, "{:.2f}"),
    ("bare_med_ms", "bare med", 8, "{:.2f}"),
    ("ratio", "ratio", 5, "{:.2f}"),
    ("full_sweep_ms", "slowest gw", 10, "{:.1f}"),
    ("bare_full_ms", "slowest bare", 12, "{:.1f}"),
    ("ingest_ms", "ingest ms", 9, "{:.3f}"),
    ("cpu_pct", "CPU %", 6, "{:.1f}"),
    ("rss_mb", "RSS MB", 6, "{:.1f}"),
    ("anon_mb", "anon MB", 7, "{:.1f}"),
    ("threads", "thr", 4, "{:d}"),
    ("arenas_mb", "arena MB", 8, "{:.1f}"),
    ("db_day_1s_mb", "DB/day@1s MB", 12, "{:.0f}"),
    ("db_day_default_mb", "DB/day@60s MB", 13, "{:.1f}"),
    ("walk_s", "walk s", 6, "{:.3f}"),
    ("varbinds", "varbinds", 8, "{:d}"),
    ("web_p50_ms", "web p50", 7, "{:.2f}"),
    ("web_p99_ms", "web p99", 7, "{:.2f}"),
]

# Figures fitted against N (and plotted): key, label, unit.
FITTED = [("sweep_med_ms", "sweep, median string", "ms"), ("sweep_max_ms", "sweep, slowest string", "ms"),
          ("bare_med_ms", "bare libmodbus, median string", "ms"), ("ratio", "sweep ratio gateway / bare", ""),
          ("full_sweep_ms", "slowest string of a round", "ms"), ("ingest_ms", "ingest of one snapshot", "ms"),
          ("cpu_pct", "gateway CPU", "% of a core"),
          ("rss_mb", "RSS", "MB"), ("anon_mb", "anonymous RSS", "MB"), ("threads", "threads", ""),
          ("db_day_default_mb", "DB per day, 60 s logging", "MB"), ("walk_s", "SNMP bulk walk", "s"),
          ("varbinds", "varbinds", ""), ("web_p50_ms", "web string page p50 (server)", "ms"),
          ("web_p99_ms", "web string page p99 (server)", "ms")]


def cell(row, key, width, fmt):
    v = row.get(key)
    return ("–" if v is None else fmt.format(int(v) if fmt == "{:d}" else v)).rjust(width)


def header():
    return "  ".join(h.rjust(w) for _, h, w, _ in COLUMNS)


def line(row):
    return "  ".join(cell(row, k, w, f) for k, _, w, f in COLUMNS)


def least_squares(xs, ys):
    """y = a + b·x and R²."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0
    a = my - b * mx
    ss = sum((y - my) ** 2 for y in ys)
    r2 = 1 - sum((y - a - b * x) ** 2 for x, y in zip(xs, ys)) / ss if ss else 1.0
    return a, b, r2


def knees(xs, ys):
    """Steps whose increase is more than 1.5× what the line through the sizes before predicts (a line
    fitted to the points up to the step's start, extended over the step), and at least 5 % of the
    value reached (so that noise around a flat figure is not called a knee)."""
    found = []
    for i in range(1, len(xs) - 1):
        _, slope, _ = least_squares(xs[:i + 1], ys[:i + 1])
        predicted = slope * (xs[i + 1] - xs[i])
        actual = ys[i + 1] - ys[i]
        if actual > 1.5 * max(predicted, 0) and actual > 0.05 * abs(ys[i + 1]):
            found.append((xs[i], xs[i + 1], actual, predicted))
    return found


def growth(results):
    """One line per figure: the least-squares line, figure(largest)/figure(32) against the size ratio, knees."""
    lines = []
    sizes = [r["strings"] for r in results]
    for key, label, unit in FITTED:
        pts = [(r["strings"], r[key]) for r in results if r.get(key) is not None]
        if len(pts) < 2:
            continue
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        a, b, r2 = least_squares(xs, ys)
        text = f"  {label:<31} {a:10.3f} + {b:9.4f}·N {unit:<11} R² {r2:5.3f}"
        ref = 32 if 32 in xs else xs[0]
        top = xs[-1]
        if top != ref and dict(pts)[ref]:
            text += f"   {top}/{ref}: ×{dict(pts)[top] / dict(pts)[ref]:.2f} (sizes ×{top / ref:g})"
        k = knees(xs, ys)
        text += "   knee: " + (", ".join(f"{s}→{e} (+{act:.3g} vs +{pred:.3g} linear)" for s, e, act, pred in k) if k else "none")
        lines.append(text)
    return lines, sizes


def svg(results, path, title):
    """Small multiples, one panel per fitted figure against strings (log2 axis), the measured points
    joined and the least-squares line dashed (a line in N is a curve on the log axis)."""
    panels = [(k, l, u) for k, l, u in FITTED if sum(r.get(k) is not None for r in results) >= 2]
    cols, pw, ph = 4, 260, 190
    rows = math.ceil(len(panels) / cols)
    width, height = cols * pw + 20, rows * ph + 50
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           f'font-family="sans-serif" font-size="10">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="10" y="20" font-size="13" font-weight="bold">{title}</text>',
           '<text x="10" y="36" fill="#555">x: strings of 120 cells (log2 axis); points: measured; red dashes: least-squares line '
           'in N (curved on the log axis); dotted: 32 strings, the documented product limit</text>']
    sizes = [r["strings"] for r in results]
    lo, hi = math.log2(min(sizes)), math.log2(max(sizes))
    for i, (key, label, unit) in enumerate(panels):
        ox, oy = 10 + (i % cols) * pw, 50 + (i // cols) * ph
        left, right, top, bottom = ox + 45, ox + pw - 15, oy + 22, oy + ph - 30
        pts = [(r["strings"], r[key]) for r in results if r.get(key) is not None]
        ymax = max(v for _, v in pts) * 1.15 or 1
        a, b, _ = least_squares([p[0] for p in pts], [p[1] for p in pts])

        def X(n):
            return left + (math.log2(n) - lo) / ((hi - lo) or 1) * (right - left)

        def Y(v):
            return bottom - max(0.0, v) / ymax * (bottom - top)
        out.append(f'<text x="{ox + 5}" y="{oy + 12}" font-weight="bold">{label}{" (" + unit + ")" if unit else ""}</text>')
        out.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#333"/>'
                   f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#333"/>')
        for n in sizes:
            out.append(f'<line x1="{X(n):.1f}" y1="{bottom}" x2="{X(n):.1f}" y2="{bottom + 4}" stroke="#333"/>'
                       f'<text x="{X(n):.1f}" y="{bottom + 15}" text-anchor="middle">{n}</text>')
        for f in (0, 0.5, 1):
            v = ymax / 1.15 * f
            tick = f"{v:,.0f}".replace(",", " ") if v >= 1000 else f"{v:.3g}"
            out.append(f'<line x1="{left - 3}" y1="{Y(v):.1f}" x2="{right}" y2="{Y(v):.1f}" stroke="#ddd"/>'
                       f'<text x="{left - 5}" y="{Y(v) + 3:.1f}" text-anchor="end">{tick}</text>')
        if min(sizes) < 32 < max(sizes) or 32 in sizes[1:-1]:  # the product's documented limit
            out.append(f'<line x1="{X(32):.1f}" y1="{top}" x2="{X(32):.1f}" y2="{bottom}" stroke="#999" stroke-dasharray="1 3"/>'
                       f'<text x="{X(32) + 3:.1f}" y="{top + 8}" fill="#888" font-size="8">product limit</text>')
        steps = [min(sizes) * (max(sizes) / min(sizes)) ** (j / 40) for j in range(41)]
        fit = " ".join(f"{X(n):.1f},{Y(a + b * n):.1f}" for n in steps if 0 <= a + b * n <= ymax)
        if fit:
            out.append(f'<polyline points="{fit}" fill="none" stroke="#c33" stroke-dasharray="4 3"/>')
        out.append(f'<polyline points="{" ".join(f"{X(n):.1f},{Y(v):.1f}" for n, v in pts)}" fill="none" stroke="#236"/>')
        for n, v in pts:
            out.append(f'<circle cx="{X(n):.1f}" cy="{Y(v):.1f}" r="3" fill="#236"><title>{n}: {v:.4g}</title></circle>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bmgw", required=True)
    parser.add_argument("--sizes", default="8,16,32,64,128", help="strings of 120 cells, comma-separated")
    parser.add_argument("--quick", action="store_true", help="2 and 4 strings, short windows (checks that it runs)")
    parser.add_argument("--check", action="store_true", help="exit 1 unless every size has a figure in every column")
    parser.add_argument("--json", help="write every figure to this file")
    parser.add_argument("--svg", default=os.path.join(ROOT, "docs", "scale.svg"), help="plot ('' for none)")
    args = parser.parse_args()
    sizes = [2, 4] if args.quick else [int(s) for s in args.sizes.split(",")]
    def stopped(signum, _):  # bench.sh stopped: still clean up (finally), and say why the run ended
        print(f"scale: stopped by signal {signum}", flush=True)
        sys.exit(1)
    signal.signal(signal.SIGTERM, stopped)
    # Every bmgw started here loads a configuration of up to max(sizes) strings: `run`, and `status
    # --config` and `check-config` too, which refuse more than 32 strings without it.
    os.environ["BMGW_MEASURE_MAX_STRINGS"] = str(max(sizes + [32]))
    root_work = tempfile.mkdtemp(prefix="bmgw-scale-")
    map_file = os.path.join(ROOT, "config", "registermaps", "bmc-v1.yaml")
    blocks = read_blocks(map_file, CELLS)
    results = []
    try:
        bare_exe = build_bare_sweep(root_work)
        print(f"scale: {', '.join(map(str, sizes))} strings × {CELLS} cells, each a separate simulator process and a gateway "
              f"polling it every 1 s (demo services: SNMP, web, remote access, alarms; history every 1 s); "
              f"{'20 s warm-up, 15 s' if args.quick else '75 s warm-up, 60 s'} window. Per string sweep: "
              f"{len(blocks)} reads, {sum(c for _, c in blocks)} registers. {os.cpu_count()} cores.", flush=True)
        print("  sweep med/max: each string's mean sweep over the window (bmgw_poll_duration_seconds), median and slowest string, ms;\n"
              "  bare: libmodbus (C) reads of the same blocks, a connection per string, at each gateway link's phase + 0.5 s, beside the\n"
              "  running gateway, median string, ms; ratio: the gateway's median string over those same seconds / bare;\n"
              "  slowest: the slowest string's sweep of a round (median over rounds), ms; CPU: utime+stime over the window, % of one core;\n"
              "  arena MB: resident in glibc's second malloc arena (bmgw run sets M_ARENA_MAX 2); DB/day: growth at 1 s logging × 86 400,\n"
              "  and bytes per string sample × N × 1 440 (the default slowInterval 60 s; rollups not counted); web: server time of\n"
              f"  /strings/<id> (Server-Timing), {5 if args.quick else 50} clients, ms", flush=True)
        print(header(), flush=True)
        for n in sizes:
            t = time.time()
            try:
                row = measure(args, n, root_work, bare_exe, blocks)
            except Exception as error:
                print(f"{n:4d}  could not measure: {error!r}", flush=True)
                continue
            finally:
                for proc in chaos.STARTED:
                    if proc.poll() is None:
                        proc.kill()
                        proc.wait()
                chaos.STARTED.clear()
            row["took_s"] = round(time.time() - t)
            results.append(row)
            print(line(row), flush=True)
            notes = []
            if row.get("strings_up") != n or row.get("snmp_string_rows") != n or row.get("page_lists") != n:
                notes.append(f"up {row.get('strings_up')}/{n}, SNMP string rows {row.get('snmp_string_rows')}, "
                             f"cell-table strings {row.get('snmp_cell_strings')}, real-time page lists {row.get('page_lists')}")
            if row.get("web_slow"):
                notes.append(f"{row['web_slow']} web requests over 100 ms server time within {row['web_slow_span_s']} s, e.g. {row['web_slow_first'][:2]}")
            if row.get("web_failed"):
                notes.append(f"web failures {row['web_failed']}: {row['web_failures']}")
            if row.get("bare_failures"):
                notes.append(f"bare reference failures {row['bare_failures']}")
            if row.get("log_problems"):
                notes.append("log: " + "; ".join(f"{c}× {m}" for m, c in list(row["log_problems"].items())[:3]))
            kinds = ", ".join(f"{k or '?'} {v}" for k, v in sorted(row["thread_kinds"].items(), key=lambda kv: -kv[1]))
            print(f"      threads: {kinds} (stacks {row['stacks']} × 8 MiB, {row['stacks_mb']:.1f} MB resident); "
                  f"gateway beside the bare reference {row.get('sweep_beside_med_ms', 0):.2f} ms; web {row['web_requests']} requests at {row['web_rps']:.0f}/s, client-side p50/p99 "
                  f"{row['web_client_p50_ms']:.1f}/{row['web_client_p99_ms']:.1f} ms; RSS after the walk and web load "
                  f"{row['rss_after_load_mb']:.1f} MB; {row['db_bytes_per_sample']:.0f} B per string sample; "
                  f"link phases within {row['phase_spread_ms']:.1f} ms; polled {row['polled_after_s']} s after start; {row['took_s']} s" + ("; " + "; ".join(notes) if notes else ""), flush=True)
        if not results:
            sys.exit(1)
        print("\n" + header())
        for row in results:
            print(line(row))
        print("\ningest: median of 300 snapshots stored by `bmgw bench ingest --strings N` (one transaction each, WAL, "
              "synchronous=NORMAL), run after that size's gateway stopped.")
        fitted, _ = growth(results)
        print("\nFitted growth (least squares y = a + b·N over the sizes; ×: largest size / 32 against the size ratio; "
              "knee: a step rising > 1.5× the line through the sizes before it):")
        for text in fitted:
            print(text)
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"sizes": sizes, "cells": CELLS, "blocks": blocks, "results": results, "fitted": fitted}, f, indent=1)
            print(f"\nfigures: {args.json}")
        if args.svg:
            svg(results, args.svg, f"BTMS gateway cost against plant size ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, "
                                   f"1 s polling, history every 1 s)")
            print(f"plot: {args.svg}")
        if args.check:
            gaps = [f"{n} strings not measured" for n in sizes if n not in [r["strings"] for r in results]]
            gaps += [f"{r['strings']} strings: no {head.strip()}" for r in results for key, head, _, _ in COLUMNS if r.get(key) is None]
            print(f"\ncheck: {'every column has a figure at every size' if not gaps else 'FAILED: ' + '; '.join(gaps)}", flush=True)
            if gaps:
                sys.exit(1)
    finally:
        for proc in chaos.STARTED:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        subprocess.run(["rm", "-rf", root_work])


if __name__ == "__main__":
    main()
