#!/usr/bin/env python3
"""A fleet of gateways on an existing engine (scripts/fleet.sh, docs/operations.md › Fleets):
N `bmgw run` processes, each with its embedded simulator, publish to their own local mosquitto,
which bridges (mosquitto's own bridge: TLS, persistent session, a queue limit) to a two-node
RabbitMQ cluster with its MQTT plugin. A subscriber with a persistent session takes every message
from the cluster. One RabbitMQ node is stopped for a while and started again; then the gateways
stop, the bridges drain, and every gateway's sequence numbers are checked: all of 1…last, none
missing, duplicates counted. PASS/FAIL on the counts only; every process started here is killed
at the end, also on failure.

  fleet.py --bmgw PATH [--gateways N] [--strings S] [--cells C] [--minutes M] [--outage SECONDS]
           [--queue-type mirrored|quorum|plain] [--stop-mode stop|kill] [--keep]
"""
import argparse
import datetime
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import threading
import time

import paho.mqtt.client as mqtt

from chaos import RESULTS, free_port, report, wait_for  # the fault suite's helpers (scripts/peers/chaos.py)

HERE = os.path.dirname(os.path.abspath(__file__))
RABBIT_BIN = "/usr/lib/rabbitmq/bin"   # the real scripts; /usr/sbin/rabbitmqctl would `su rabbitmq`
STARTED = []       # (name, Popen) of everything started here, to kill at the end
NODES = []         # the RabbitMQ nodes, to stop cleanly at the end
T0 = time.time()


def now():
    return time.time() - T0


def say(text):
    print(f"[{now():7.1f} s] {text}", flush=True)


def listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), 1).close()
        return True
    except OSError:
        return False


def start(name, argv, log, env=None, cwd=None):
    """A process in its own process group (RabbitMQ's script, beam.smp and its helpers are one tree)."""
    out = open(log, "ab")
    proc = subprocess.Popen(argv, stdout=out, stderr=out, stdin=subprocess.DEVNULL, env=env, cwd=cwd,
                            start_new_session=True, close_fds=True)
    out.close()
    STARTED.append((name, proc))
    return proc


def kill_group(proc, sig=signal.SIGKILL):
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


# --- The RabbitMQ cluster -------------------------------------------------------------------------

class RabbitNode:
    """One RabbitMQ node of the cluster, its files under work/<name>, not the system service."""

    def __init__(self, work, name, epmd_port, cookie, pki, queue_type):
        self.name = name
        self.node = f"rabbit-{name}@localhost"
        self.dir = f"{work}/rabbit-{name}"
        self.amqp_port, self.dist_port, self.mqtts_port = free_port(), free_port(), free_port()
        self.proc = None
        NODES.append(self)
        for sub in ("home", "mnesia", "log"):
            os.makedirs(f"{self.dir}/{sub}", exist_ok=True)
        # The Erlang cookie is read from $HOME: the same one in each node's home (and the CLI's).
        with open(f"{self.dir}/home/.erlang.cookie", "w") as f:
            f.write(cookie)
        os.chmod(f"{self.dir}/home/.erlang.cookie", 0o400)
        with open(f"{self.dir}/enabled_plugins", "w") as f:
            f.write("[rabbitmq_mqtt].\n")
        open(f"{self.dir}/rabbitmq-env.conf", "w").close()   # not /etc/rabbitmq/rabbitmq-env.conf
        with open(f"{self.dir}/rabbitmq.conf", "w") as f:
            f.write(rabbit_config(self, pki, queue_type))
        self.env = {
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
            "HOME": f"{self.dir}/home",
            "ERL_EPMD_PORT": str(epmd_port),
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.amqp_port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": f"{self.dir}/mnesia",
            "RABBITMQ_LOG_BASE": f"{self.dir}/log",
            "RABBITMQ_CONFIG_FILE": f"{self.dir}/rabbitmq.conf",
            "RABBITMQ_ADVANCED_CONFIG_FILE": f"{self.dir}/advanced.config",
            "RABBITMQ_ENABLED_PLUGINS_FILE": f"{self.dir}/enabled_plugins",
            "RABBITMQ_CONF_ENV_FILE": f"{self.dir}/rabbitmq-env.conf",
            "RABBITMQ_PID_FILE": f"{self.dir}/pid",
            # Erlang distribution on loopback only (the dist port would listen on every address).
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    def start(self):
        if os.path.exists(f"{self.dir}/pid"):
            os.remove(f"{self.dir}/pid")
        self.proc = start(f"rabbitmq {self.node}", [f"{RABBIT_BIN}/rabbitmq-server"], f"{self.dir}/server.out",
                          env=self.env, cwd=self.dir)

    def ctl(self, *args, timeout=180, check=True):
        r = subprocess.run([f"{RABBIT_BIN}/rabbitmqctl", "-q", "-n", self.node, *args], env=self.env,
                           capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        if check and r.returncode != 0:
            raise RuntimeError(f"rabbitmqctl -n {self.node} {' '.join(args)}: {r.stderr.strip()[:400]}")
        return r.stdout

    def wait_started(self, timeout=240):
        # `wait PIDFILE` waits for the pid file, then for the node and its applications (MQTT's too).
        self.ctl("wait", f"{self.dir}/pid", "--timeout", str(timeout), timeout=timeout + 30)

    def stop(self, mode):
        if mode == "kill":   # a crash: the whole process tree at once
            kill_group(self.proc)
        else:                # a clean stop (maintenance, an upgrade)
            self.ctl("stop", timeout=120, check=False)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            kill_group(self.proc)
            self.proc.wait()
        # Helpers (erl_child_setup, inet_gethost) share the group: none may outlive the node.
        kill_group(self.proc)


def rabbit_config(node, pki, queue_type):
    """rabbitmq.conf of a node (docs/operations.md › Fleets explains each line)."""
    lines = [
        f"listeners.tcp.default = 127.0.0.1:{node.amqp_port}",
        # MQTT over TLS only; the throw-away CA of scripts/peers/mqtt-pki.sh.
        "mqtt.listeners.tcp = none",
        f"mqtt.listeners.ssl.default = 127.0.0.1:{node.mqtts_port}",
        f"ssl_options.cacertfile = {pki}/ca.crt",
        f"ssl_options.certfile = {pki}/server.crt",
        f"ssl_options.keyfile = {pki}/server.key",
        "ssl_options.versions.1 = tlsv1.3",
        "ssl_options.versions.2 = tlsv1.2",
        "ssl_options.verify = verify_none",
        "ssl_options.fail_if_no_peer_cert = false",
        # Test only: anonymous MQTT logins become the guest user (allowed from loopback only).
        "mqtt.allow_anonymous = true",
        # A persistent session's queue lives a day after its client was last seen (the default, said).
        "mqtt.subscription_ttl = 86400000",
        # Two nodes: pause_minority would pause the survivor (1 of 2 is no majority); autoheal instead.
        "cluster_partition_handling = autoheal",
        "log.console = false",
        "log.file.level = info",
    ]
    # Queues of persistent MQTT sessions (cleansession false): `mqtt-subscription-<client id>qos1`,
    # durable, on the node the client first subscribed on.
    # - plain: a classic queue on one node: while that node is down the queue is unavailable:
    #   messages routed to it are dropped, and its client cannot subscribe elsewhere. Loses messages.
    # - quorum (`mqtt.durable_queue_type = quorum`, new in 3.10): Raft replicas on every node; safe,
    #   but a Raft group needs a majority: with 2 nodes, one down stops the queue until it returns
    #   (no loss, no delivery). It needs 3 nodes to stay available.
    # - mirrored (the default here): a classic queue mirrored to every node by the policy
    #   `ha-mode: all, ha-sync-mode: automatic` on `^mqtt-subscription-` (set after the join): the
    #   mirror on the surviving node is promoted and the session goes on there; a node that comes
    #   back gets its mirror synchronised. Classic mirroring is deprecated upstream (removed in 4.0)
    #   but it is 3.10's only way to stay available with two nodes.
    lines.append(f"mqtt.durable_queue_type = {'quorum' if queue_type == 'quorum' else 'classic'}")
    return "\n".join(lines) + "\n"


class Cluster:
    def __init__(self, work, pki, queue_type):
        self.work = work
        self.epmd_port = free_port()
        cookie = "FLEET" + os.urandom(12).hex().upper()
        self.epmd = start("epmd", ["epmd", "-port", str(self.epmd_port), "-address", "127.0.0.1"], f"{work}/epmd.log")
        self.nodes = [RabbitNode(work, n, self.epmd_port, cookie, pki, queue_type) for n in ("a", "b")]
        self.queue_type = queue_type

    def start(self):
        t = time.time()
        for n in self.nodes:
            n.start()
        for n in self.nodes:
            n.wait_started()
        a, b = self.nodes
        b.ctl("stop_app")
        b.ctl("join_cluster", a.node)
        b.ctl("start_app")
        b.wait_started()
        if self.queue_type == "mirrored":
            a.ctl("set_policy", "--apply-to", "queues", "mqtt-sessions", "^mqtt-subscription-",
                  '{"ha-mode":"all","ha-sync-mode":"automatic"}')
        running = a.ctl("eval", "rabbit_nodes:all_running().").strip()
        say(f"RabbitMQ cluster up in {time.time() - t:.1f} s: {running}; MQTT/TLS on "
            f"{', '.join(str(n.mqtts_port) for n in self.nodes)}; session queues: {self.queue_type}")

    def queues(self, node):
        return node.ctl("list_queues", "name", "type", "messages", "pid", "slave_pids", "synchronised_slave_pids",
                        "policy", "--no-table-headers", check=False).strip()


# --- The subscriber -------------------------------------------------------------------------------

class Subscriber(threading.Thread):
    """QoS 1, persistent session (clean session off, fixed client id), TLS to the cluster; when its
    node goes it connects to the other one (the session's queue is there, mirrored)."""

    def __init__(self, nodes, ca, record):
        super().__init__(daemon=True)
        self.nodes = nodes            # [(name, port)]
        self.by_gateway = {}          # gateway id -> [seq, ...] in arrival order
        self.topics = {}              # (gateway id, seq) -> last topic level (measurement, meta, …)
        self.status = 0               # `status` messages (no seq)
        self.latency = {}             # gateway id -> largest measurement age at arrival (s)
        self.last_arrival = 0.0
        self.connected_to = None
        self.connections = []         # (time, node)
        self.disconnections = []      # (time, node)
        self.subscribed = threading.Event()
        self.stopping = False
        self.lock = threading.Lock()
        self.record = open(record, "w")
        try:
            self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="fleet-subscriber",
                                      clean_session=False, protocol=mqtt.MQTTv311)
        except AttributeError:        # paho-mqtt 1.x
            self.client = mqtt.Client(client_id="fleet-subscriber", clean_session=False, protocol=mqtt.MQTTv311)
        self.client.tls_set(ca_certs=ca, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        self.client.on_connect = self.on_connect
        self.client.on_message = self.on_message

    def on_connect(self, client, userdata, flags, rc, *properties):
        present = flags.session_present if hasattr(flags, "session_present") else flags.get("session present")
        if int(getattr(rc, "value", rc)) != 0:
            return
        self.connections.append((now(), self.connected_to))
        say(f"subscriber connected to node {self.connected_to} (session present: {bool(present)})")
        if not present:
            client.subscribe("btms/#", qos=1)
        self.subscribed.set()

    def on_message(self, client, userdata, msg):
        arrived = time.time()
        parts = msg.topic.split("/")
        gateway = parts[1] if len(parts) > 2 else "?"
        try:
            payload = json.loads(msg.payload)
        except ValueError:
            payload = None
        with self.lock:
            self.last_arrival = now()
            if not isinstance(payload, dict) or "seq" not in payload:
                self.status += 1
                return
            seq = payload["seq"]
            self.by_gateway.setdefault(gateway, []).append(seq)
            self.topics[(gateway, seq)] = parts[-1]
            if parts[-1] == "measurement" and payload.get("time"):
                made = datetime.datetime.fromisoformat(payload["time"].replace("Z", "+00:00")).timestamp()
                self.latency[gateway] = max(self.latency.get(gateway, 0.0), arrived - made)
        self.record.write(f"{arrived:.3f} {int(msg.dup)} {int(msg.retain)} {msg.topic} {seq}\n")

    def run(self):
        i = 0
        while not self.stopping:
            name, port = self.nodes[i % len(self.nodes)]
            self.connected_to = name
            try:
                self.client.connect("127.0.0.1", port, keepalive=10)
            except OSError:
                i += 1
                time.sleep(0.5)
                continue
            while not self.stopping:
                if self.client.loop(timeout=0.5) != mqtt.MQTT_ERR_SUCCESS:
                    break
            if not self.stopping:
                self.disconnections.append((now(), name))
                say(f"subscriber lost node {name}")
            i += 1
        try:
            self.client.disconnect()
        except Exception:
            pass

    def seqs(self, gateway):
        with self.lock:
            return list(self.by_gateway.get(gateway, []))

    def stop(self):
        self.stopping = True
        self.join(10)
        self.record.close()


# --- Gateways and their local brokers ------------------------------------------------------------

def mosquitto_config(g, cluster, pki, queue_limit):
    """A gateway's local mosquitto: a loopback listener for the gateway and a bridge to the cluster
    (docs/operations.md › Fleets explains each line)."""
    nodes = [f"127.0.0.1:{n.mqtts_port}" for n in cluster.nodes]
    if g.index % 2:
        nodes.reverse()   # half of the fleet starts on each node
    return f"""per_listener_settings false
listener {g.mosquitto_port} 127.0.0.1
allow_anonymous true
persistence true
persistence_location {g.dir}/mosquitto/
autosave_interval 10
max_queued_messages {queue_limit}
max_queued_bytes 0
log_dest file {g.dir}/mosquitto/mosquitto.log
log_type error
log_type warning
log_type notice
log_type information
log_timestamp_format %Y-%m-%dT%H:%M:%S

connection {g.id}
address {' '.join(nodes)}
round_robin true
bridge_protocol_version mqttv311
try_private false
cleansession false
remote_clientid bridge-{g.id}
local_clientid bridge-local-{g.id}
topic btms/# out 1
bridge_cafile {pki}/ca.crt
bridge_tls_version tlsv1.2
bridge_insecure false
notifications false
keepalive_interval 15
restart_timeout 1 10
start_type automatic
"""


def gateway_config(g, strings, cells):
    lines = [
        f"gateway: {{ id: {g.id}, site: Fleet {g.index + 1:02d} }}",
        f"dataDirectory: {g.dir}/data",
        "log: { level: notice }",
        "acquisition: { pollInterval: 1s, timeout: 500ms, retries: 1, commLostAfter: 2, offlineRetryInterval: 2s }",
        "history: { slowInterval: 1s, fastInterval: 1s, retention: 30d }",
        f"simulator: {{ listen: 127.0.0.1:{g.sim_port}, seed: {g.index + 1} }}",
        "ups: [{ id: u1, name: UPS 1 }]",
        "strings:",
    ]
    for i in range(strings):
        lines.append(f"  - {{ id: s{i + 1}, ups: u1, cells: {cells}, "
                     f"modbus: {{ tcp: {{ host: 127.0.0.1, port: {g.sim_port}, unit: {i + 1} }} }} }}")
    # The local broker, plain MQTT on loopback; TLS is the bridge's business.
    lines.append(f"mqtt: {{ host: 127.0.0.1, port: {g.mosquitto_port}, tls: {{ enabled: false }}, publishInterval: 1s }}")
    return "\n".join(lines) + "\n"


class FleetGateway:
    def __init__(self, work, index):
        self.index = index
        self.id = f"fleet-gw-{index + 1:02d}"
        self.dir = f"{work}/{self.id}"
        os.makedirs(f"{self.dir}/mosquitto")
        if os.geteuid() == 0:   # mosquitto started as root runs as user mosquitto: its folder is its own
            import pwd
            user = pwd.getpwnam("mosquitto")
            os.chown(f"{self.dir}/mosquitto", user.pw_uid, user.pw_gid)
        self.mosquitto_port, self.sim_port = free_port(), free_port()
        self.mosquitto = self.gateway = None

    def outbox(self, sql):
        con = sqlite3.connect(f"file:{self.dir}/data/outbox.sqlite?mode=ro", uri=True, timeout=10)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def waiting(self):
        return self.outbox("SELECT count(*) FROM messages")[0][0]


def stop_process(proc, timeout=30):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            proc.wait()
    return proc.returncode


# --- The run --------------------------------------------------------------------------------------

def fleet(args, work):
    pki = f"{work}/pki"
    subprocess.run(["bash", f"{HERE}/mqtt-pki.sh", pki], check=True)
    cluster = Cluster(work, pki, args.queue_type)
    cluster.start()
    a, b = cluster.nodes

    # The subscriber first: its session queue must exist before anything is published (a message
    # routed to no queue is gone). It starts on node a, the node that is stopped: the worst case.
    sub = Subscriber([(n.name, n.mqtts_port) for n in cluster.nodes], f"{pki}/ca.crt", f"{work}/received.txt")
    sub.start()
    if not sub.subscribed.wait(30):
        raise RuntimeError("the subscriber did not connect")
    time.sleep(1)
    say("session queue: " + cluster.queues(a).replace("\n", " | "))

    gateways = [FleetGateway(work, i) for i in range(args.gateways)]
    for g in gateways:
        with open(f"{g.dir}/mosquitto.conf", "w") as f:
            f.write(mosquitto_config(g, cluster, pki, args.queue_limit))
        g.mosquitto = start(f"mosquitto {g.id}", ["mosquitto", "-c", f"{g.dir}/mosquitto.conf"], f"{g.dir}/mosquitto.out")
    for g in gateways:
        if not wait_for(lambda: listening(g.mosquitto_port), 20):
            raise RuntimeError(f"mosquitto of {g.id} did not start: {open(f'{g.dir}/mosquitto.out').read()[-300:]}")
        with open(f"{g.dir}/gateway.yaml", "w") as f:
            f.write(gateway_config(g, args.strings, args.cells))
        g.gateway = start(f"bmgw {g.id}", [args.bmgw, "run", "--config", f"{g.dir}/gateway.yaml"], f"{g.dir}/gateway.log")
    started = time.time()
    say(f"{args.gateways} gateways of {args.strings} strings × {args.cells} cells started, each with a local mosquitto bridged to the cluster")

    # Run, stop node a, start it again, run on.
    run_for = args.minutes * 60
    time.sleep(max(10, run_for / 3))
    window = {}
    say(f"stopping node {a.node} ({args.stop_mode})")
    window["stop"] = now()
    a.stop(args.stop_mode)
    window["stopped"] = now()
    say(f"node a stopped after {window['stopped'] - window['stop']:.1f} s; session queue: "
        + cluster.queues(b).replace("\n", " | "))
    time.sleep(args.outage)
    say(f"starting node {a.node}")
    window["start"] = now()
    a.start()
    a.wait_started()
    window["running"] = now()
    wait_for(lambda: listening(a.mqtts_port), 300)
    window["mqtt"] = now()
    say(f"node a running after {window['running'] - window['start']:.1f} s, its MQTT listener after "
        f"{window['mqtt'] - window['start']:.1f} s; cluster: {a.ctl('eval', 'rabbit_nodes:all_running().', check=False).strip()}")
    remaining = run_for - (time.time() - started)
    if remaining < 20:
        say(f"running 20 s more than --minutes asked, to see the cluster whole again")
    time.sleep(max(20, remaining))

    # Stop the gateways cleanly once their outboxes are empty; then let the bridges drain.
    for g in gateways:
        wait_for(lambda: g.waiting() == 0, 60, step=0.5)
    alive = {g.id: g.gateway.poll() is None for g in gateways}
    codes = {g.id: stop_process(g.gateway) for g in gateways}
    stopped = now()
    say(f"gateways stopped (exit codes {sorted(set(codes.values()))})")
    last, left, dropped = {}, {}, {}
    for g in gateways:
        last[g.id] = g.outbox("SELECT value FROM counters WHERE name = 'next_seq'")[0][0] - 1
        left[g.id] = {r[0] for r in g.outbox("SELECT seq FROM messages")}
        d = g.outbox("SELECT value FROM counters WHERE name = 'dropped'")
        dropped[g.id] = d[0][0] if d else 0

    def complete():
        return all(set(range(1, last[g.id] + 1)) - left[g.id] <= set(sub.seqs(g.id)) for g in gateways)
    drained = wait_for(complete, args.drain_timeout, step=0.5)
    drain = now() - stopped
    time.sleep(3)   # anything still on its way (a duplicate) is counted too
    say(f"drained: {drained} in {drain:.1f} s; session queue: " + cluster.queues(b).replace("\n", " | "))

    # The figures. Duplicates are split: those of retained topics (meta, gateway, life, …), which a
    # bridge repeats at each (re)connection, and the others (a message sent again after a lost ack).
    retained = {"meta", "gateway", "life", "site", "alarm-state"}
    total = {"messages": 0, "distinct": 0, "missing": 0, "duplicates": 0, "retained": 0, "left": 0}
    print(f"{'gateway':<14}{'messages':>9}{'distinct':>9}{'last seq':>9}{'missing':>8}{'dupl.':>6}{'of them retained':>17}"
          f"{'left':>5}{'dropped':>8}{'max age s':>10}{'bridge conn.':>13}", flush=True)
    bad = []
    for g in gateways:
        seqs = sub.seqs(g.id)
        distinct = set(seqs)
        expected = set(range(1, last[g.id] + 1))
        missing = sorted(expected - distinct - left[g.id])
        unknown = sorted(distinct - expected)
        path = f"{g.dir}/mosquitto/mosquitto.log"
        log = open(path, errors="replace").read() if os.path.exists(path) else ""
        connects = len(re.findall(rf"Connecting bridge (?:\(step 1\) )?{g.id} \(", log))
        full = log.count("Outgoing messages are being dropped")
        counts = {}
        for q in seqs:
            counts[q] = counts.get(q, 0) + 1
        again = {q: n - 1 for q, n in counts.items() if n > 1}
        row = {"messages": len(seqs), "distinct": len(distinct), "missing": len(missing),
               "duplicates": len(seqs) - len(distinct),
               "retained": sum(n for q, n in again.items() if sub.topics.get((g.id, q)) in retained),
               "left": len(left[g.id])}
        for k in total:
            total[k] += row[k]
        print(f"{g.id:<14}{row['messages']:>9}{row['distinct']:>9}{last[g.id]:>9}{row['missing']:>8}{row['duplicates']:>6}"
              f"{row['retained']:>17}{row['left']:>5}{dropped[g.id]:>8}{sub.latency.get(g.id, 0):>10.1f}{connects:>13}", flush=True)
        if missing or unknown or left[g.id] or dropped[g.id] or full or not alive[g.id] or codes[g.id] != 0 or last[g.id] == 0:
            bad.append(f"{g.id}: missing {missing[:20]}{'…' if len(missing) > 20 else ''}, unexpected {unknown[:5]}, "
                       f"left in outbox {sorted(left[g.id])[:10]}, outbox dropped {dropped[g.id]}, mosquitto 'dropped' lines {full}, "
                       f"alive until stopped {alive[g.id]}, exit {codes[g.id]}")
    print(f"{'total':<14}{total['messages']:>9}{total['distinct']:>9}{'':>9}{total['missing']:>8}{total['duplicates']:>6}"
          f"{total['retained']:>17}{total['left']:>5}", flush=True)
    for line in bad:
        print("  " + line, flush=True)
    back = [t - window["stop"] for t, n in sub.connections if t >= window["stop"]]
    report(f"fleet of {args.gateways} gateways ({args.strings} × {args.cells} cells) across a RabbitMQ node {args.stop_mode}, "
           f"session queues {args.queue_type}",
           not bad and drained and total["distinct"] > 0,
           f"{total['distinct']} distinct messages of {args.gateways} gateways, {total['missing']} missing, "
           f"{total['duplicates']} duplicates ({total['retained']} of retained topics), {total['left']} left in outboxes; node a down from {window['stop']:.0f} s to "
           f"{window['start']:.0f} s (its stop took {window['stopped'] - window['stop']:.1f} s), running again "
           f"{window['running'] - window['start']:.1f} s and its MQTT listener {window['mqtt'] - window['start']:.1f} s after "
           f"its start; subscriber "
           + (f"on node {sub.connections[-1][1]} {back[0]:.1f} s after the stop began" if back else "never reconnected")
           + f"; drained {drain:.1f} s after the gateways stopped; {sub.status} status messages (no seq)")
    sub.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bmgw", required=True)
    parser.add_argument("--gateways", type=int, default=4)
    parser.add_argument("--strings", type=int, default=2)
    parser.add_argument("--cells", type=int, default=16)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--outage", type=float, default=30, help="seconds node a stays down")
    parser.add_argument("--queue-type", choices=["mirrored", "quorum", "plain"], default="mirrored")
    parser.add_argument("--stop-mode", choices=["stop", "kill"], default="stop")
    parser.add_argument("--queue-limit", type=int, default=100000, help="mosquitto max_queued_messages")
    parser.add_argument("--drain-timeout", type=float, default=180)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="fleet-")
    os.chmod(work, 0o755)   # mosquitto (as user mosquitto) reads the CA and writes its folder in here
    say(f"work folder {work}")
    try:
        fleet(args, work)
    except Exception as error:   # a run that cannot finish is a failure, with its reason
        report("fleet", False, f"could not run: {error!r}")
    finally:
        # A clean stop of the nodes still running (their CLI needs them up), then every process group.
        for node in NODES:
            if node.proc is not None and node.proc.poll() is None:
                try:
                    node.ctl("stop", timeout=60, check=False)
                except subprocess.TimeoutExpired:
                    pass
        # Only groups whose leader still runs are signalled (a group id is never reused while it
        # lives); a group is swept once more right after its leader ended, for helpers left behind.
        for name, proc in reversed(STARTED):
            if proc.poll() is None:
                kill_group(proc, signal.SIGTERM)
        for name, proc in STARTED:
            if proc.returncode is None:
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    kill_group(proc)
                    try:
                        proc.wait(10)
                    except subprocess.TimeoutExpired:
                        print(f"      could not end {name} (pid {proc.pid})", flush=True)
                        continue
                kill_group(proc)
        if RESULTS and not RESULTS[-1][1]:
            for log in sorted(os.popen(f"ls {work}/*/gateway.log {work}/*/mosquitto/mosquitto.log 2>/dev/null").read().split())[:4]:
                print(f"      last lines of {log}:\n" + "".join(open(log, errors="replace").readlines()[-8:]), flush=True)
        if args.keep or (RESULTS and not RESULTS[-1][1]):
            say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    failed = [n for n, ok in RESULTS if not ok]
    sys.exit(1 if failed or not RESULTS else 0)


if __name__ == "__main__":
    main()
