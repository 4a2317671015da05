#!/usr/bin/env python3
"""Round trip of one read (16 input registers) through the gateway's remote access (TLS, pymodbus)
against the same read sent straight to the controller (plain Modbus TCP), in alternating rounds so
both see the same machine load. Prints the medians and their ratio."""
import argparse
import ssl
import statistics
import time

from pymodbus.client import ModbusTcpClient, ModbusTlsClient


def timed(client, unit, n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        r = client.read_input_registers(1000, count=16, device_id=unit)
        out.append(time.perf_counter() - t)
        if r.isError():
            raise SystemExit(f"read failed: {r}")
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--gateway-port", type=int, required=True)
    p.add_argument("--controller-port", type=int, required=True)
    p.add_argument("--unit", type=int, default=2)
    p.add_argument("--ca", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--reads", type=int, default=2000)
    a = p.parse_args()
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=a.ca)
    ctx.check_hostname = False
    ctx.load_cert_chain(a.cert)
    remote = ModbusTlsClient("127.0.0.1", port=a.gateway_port, sslctx=ctx, timeout=5, retries=0)
    direct = ModbusTcpClient("127.0.0.1", port=a.controller_port, timeout=5, retries=0)
    assert remote.connect() and direct.connect()
    r, d = [], []
    for _ in range(10):
        d += timed(direct, a.unit, a.reads // 10)
        r += timed(remote, a.unit, a.reads // 10)
    md, mr = statistics.median(d), statistics.median(r)
    print(f"reads: {len(r)} each, 16 registers")
    print(f"direct plain Modbus TCP to the controller: median {md * 1e3:.3f} ms, p95 {statistics.quantiles(d, n=20)[18] * 1e3:.3f} ms")
    print(f"through the gateway (Modbus/TCP Security): median {mr * 1e3:.3f} ms, p95 {statistics.quantiles(r, n=20)[18] * 1e3:.3f} ms")
    print(f"ratio (gateway / direct, medians): {mr / md:.2f}")
    remote.close()
    direct.close()


if __name__ == "__main__":
    main()
