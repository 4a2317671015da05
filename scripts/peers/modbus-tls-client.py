#!/usr/bin/env python3
"""An independent Modbus/TCP Security client (pymodbus) for the remote-access tests.

Runs the operations given as arguments over one TLS session and prints one JSON line per
operation: {"op": ..., "ok": bool, "registers": [...], "exception": code}.

  modbus-tls-client.py --port P --ca CA --cert PEM read:UNIT:input|holding:ADDRESS:COUNT write:UNIT:ADDRESS:VALUE
  repeat:N:read:…  repeats the read N times and prints one line with the count that succeeded.
  for:SECONDS:read:…  repeats the read for SECONDS (count, succeeded, seconds).
  sleep:SECONDS  says nothing for SECONDS (idle timeouts).
"""
import argparse
import json
import ssl
import sys
import time

from pymodbus.client import ModbusTlsClient
from pymodbus.exceptions import ModbusException


def run(client, op):
    kind, *rest = op.split(":")
    if kind == "read":
        unit, table, address, count = int(rest[0]), rest[1], int(rest[2]), int(rest[3])
        call = client.read_input_registers if table == "input" else client.read_holding_registers
        r = call(address, count=count, device_id=unit)
    elif kind == "write":
        unit, address, value = int(rest[0]), int(rest[1]), int(rest[2])
        r = client.write_register(address, value, device_id=unit)
    elif kind == "repeat":
        n, inner = int(rest[0]), ":".join(rest[1:])
        started, ok = time.monotonic(), 0
        for _ in range(n):
            ok += 1 if run(client, inner)["ok"] else 0
        return {"op": op, "ok": ok == n, "succeeded": ok, "seconds": time.monotonic() - started}
    elif kind == "sleep":
        time.sleep(float(rest[0]))
        return {"op": op, "ok": True}
    elif kind == "for":
        seconds, inner = float(rest[0]), ":".join(rest[1:])
        started, n, ok = time.monotonic(), 0, 0
        while time.monotonic() - started < seconds:
            n += 1
            ok += 1 if run(client, inner)["ok"] else 0
        return {"op": op, "ok": ok == n, "count": n, "succeeded": ok, "seconds": time.monotonic() - started}
    else:
        raise SystemExit(f"unknown operation {op}")
    if r.isError():
        return {"op": op, "ok": False, "exception": getattr(r, "exception_code", None)}
    return {"op": op, "ok": True, "registers": list(getattr(r, "registers", []) or [])}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ca", required=True, help="the gateway's remote-access CA")
    p.add_argument("--cert", required=True, help="client certificate and key (PEM)")
    p.add_argument("--min-version", default="TLSv1_2")
    p.add_argument("ops", nargs="+")
    a = p.parse_args()
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=a.ca)
    ctx.minimum_version = getattr(ssl.TLSVersion, a.min_version)
    # pymodbus wraps the socket without a server name, so the name cannot be checked; the chain
    # still is (CERT_REQUIRED against the gateway's CA).
    ctx.check_hostname = False
    ctx.load_cert_chain(a.cert)
    # Generous: on a loaded 2-core CI machine the first answer (after the certificate check) can take seconds.
    client = ModbusTlsClient(a.host, port=a.port, sslctx=ctx, timeout=20, retries=0)
    if not client.connect():
        print(json.dumps({"op": "connect", "ok": False}))
        sys.exit(3)
    try:
        for op in a.ops:
            try:
                print(json.dumps(run(client, op)), flush=True)
            except ModbusException as e:
                print(json.dumps({"op": op, "ok": False, "error": str(e)}), flush=True)
    finally:
        client.close()


if __name__ == "__main__":
    main()
