#!/usr/bin/env bash
# Installs the Debian packages the gateway needs (with --test, what the tests
# need; with --package, what building the Debian package needs; with --bench, what the benchmarks compare against;
# with --fleet, the brokers of scripts/fleet.sh). Idempotent and quiet
# when everything is already there.
set -euo pipefail

# libjs-dygraphs: the web UI's time plots, served from /usr/share/javascript.
packages=(pkg-config libmodbus-dev libsqlite3-dev libcurl4-openssl-dev libsnmp-dev libmosquitto-dev ca-certificates libjs-dygraphs)
if [[ "${1:-}" == "--test" ]]; then
    # mbpoll: an independent Modbus client the tests use against the simulator.
    # sqlite3: the CLI, to inspect databases in tests.
    # smitools: smilint (MIB compiler); snmp, snmptrapd, snmpd: net-snmp's command-line tools, trap receiver
    # and agent (the AgentX master of the subagent test).
    # mosquitto, mosquitto-clients: the MQTT broker (TLS) of the uplink tests and a recording subscriber.
    # curl: an HTTPS client for the web UI tests (cookies, TLS verification against the gateway's certificate).
    # chromium, chromium-driver: the browser test (selenium from PyPI drives Debian's browser).
    # python3-jinja2: renders the Home Assistant discovery templates as Home Assistant would (Jinja2).
    # prometheus: its promtool checks the /metrics exposition (the server itself is not started).
    # protobuf-compiler, python3-protobuf: decode the Sparkplug B payloads with the specification's .proto (not our code).
    # poppler-utils: pdftotext and pdftoppm read back the discharge report Chromium printed to PDF.
    # faketime: libfaketime, which steps the wall clock under a running gateway (scripts/chaos.sh --only clock).
    packages+=(mbpoll sqlite3 openssl python3-pip smitools snmp snmptrapd snmpd mosquitto mosquitto-clients curl chromium chromium-driver
               python3-jinja2 prometheus protobuf-compiler python3-protobuf poppler-utils faketime)
fi
if [[ "${1:-}" == "--test" || "${1:-}" == "--package" ]]; then
    # dpkg-dev: dpkg-shlibdeps derives the package's Depends; binutils: objcopy strips the binary;
    # lintian: checks the package as Debian would (scripts/package.sh, scripts/test-package.sh).
    packages+=(dpkg-dev binutils lintian)
fi
if [[ "${1:-}" == "--bench" ]]; then
    # net-snmp's own agent as the reference of the SNMP benchmark; the broker of the MQTT one;
    # curl to fetch a web page during the memory run; snmptrapd and mosquitto-clients (mosquitto_sub)
    # receive the alarm latency run's traps and MQTT messages; python3-pip installs its SMTP sink below.
    packages+=(snmp snmpd mosquitto curl snmptrapd mosquitto-clients python3-pip)
fi
if [[ "${1:-}" == "--fleet" ]]; then
    # rabbitmq-server: the central clustered broker (its MQTT plugin), run as private nodes, not the service;
    # mosquitto: each gateway's local bridge; mosquitto-clients: to look at it by hand; openssl: the test CA.
    packages+=(rabbitmq-server mosquitto mosquitto-clients openssl python3-pip)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "Installing: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ "${1:-}" == "--test" ]]; then
    # The SMIv2 base modules (SNMPv2-SMI, -TC, -CONF) for smilint and net-snmp's tools: Debian ships
    # their text in erlang-snmp; unpack it under .build-peers/ instead of committing them.
    base="$(cd "$(dirname "$0")/.." && pwd)/.build-peers/erlang-snmp"
    if ! ls "$base"/usr/lib/erlang/lib/snmp-*/mibs/SNMPv2-SMI.mib >/dev/null 2>&1; then
        mkdir -p "$base"
        (cd "$base" && apt-get download erlang-snmp >/dev/null 2>&1 \
            || { $SUDO apt-get update -qq && apt-get download erlang-snmp >/dev/null; })
        dpkg-deb -x "$base"/erlang-snmp_*.deb "$base"
    fi
    # aiosmtpd: a real SMTP server (STARTTLS, AUTH) the notification tests send to.
    # (Debian's own python3 refuses pip installs outside a venv: then allow it explicitly.)
    # schemathesis: property-based tests of the web API from its OpenAPI document; selenium: the browser test.
    # pymodbus: an independent Modbus/TCP Security (TLS) client for the remote-access tests.
    for module in aiosmtpd schemathesis selenium pymodbus; do
        if ! python3 -c "import $module" 2>/dev/null; then
            python3 -m pip install -q --disable-pip-version-check "$module" 2>/dev/null \
                || python3 -m pip install -q --disable-pip-version-check --break-system-packages "$module"
        fi
    done
fi
if [[ "${1:-}" == "--bench" ]]; then
    # aiosmtpd: the SMTP server (scripts/peers/smtp_sink.py) the alarm latency run's e-mail goes to.
    if ! python3 -c "import aiosmtpd" 2>/dev/null; then
        python3 -m pip install -q --disable-pip-version-check aiosmtpd 2>/dev/null \
            || python3 -m pip install -q --disable-pip-version-check --break-system-packages aiosmtpd
    fi
fi
if [[ "${1:-}" == "--fleet" ]]; then
    # paho-mqtt: the fleet's subscriber (QoS 1, persistent session, fails over between the cluster's nodes).
    if ! python3 -c "import paho.mqtt.client" 2>/dev/null; then
        python3 -m pip install -q --disable-pip-version-check paho-mqtt 2>/dev/null \
            || python3 -m pip install -q --disable-pip-version-check --break-system-packages paho-mqtt
    fi
fi
