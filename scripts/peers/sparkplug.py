#!/usr/bin/python3
"""Sparkplug B with a decoder that is not the gateway's: Debian's python3-protobuf and the
specification's sparkplug_b.proto, compiled by protoc when this runs.

  sparkplug.py decode PROTO FILE       FILE: lines "TOPIC HEXPAYLOAD" (mosquitto_sub -F '%t %x');
                                       prints one JSON object per message: {"topic", "payload"}
  sparkplug.py rebirth PROTO OUT       writes an NCMD payload asking for a rebirth
"""
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time

from google.protobuf.json_format import MessageToDict


def compiled(proto):
    out = tempfile.mkdtemp()
    subprocess.run(["protoc", f"--proto_path={os.path.dirname(os.path.abspath(proto))}", f"--python_out={out}",
                    os.path.abspath(proto)], check=True)
    sys.path.insert(0, out)
    return importlib.import_module("sparkplug_b_pb2")


def main():
    mode, proto, path = sys.argv[1:4]
    pb = compiled(proto)
    if mode == "decode":
        with open(path) as f:
            for line in f:
                topic, _, payload = line.strip().partition(" ")
                if not topic:
                    continue
                p = pb.Payload()
                p.ParseFromString(bytes.fromhex(payload))
                print(json.dumps({"topic": topic, "payload": MessageToDict(p, preserving_proto_field_name=True)}))
    elif mode == "rebirth":
        p = pb.Payload()
        p.timestamp = int(time.time() * 1000)
        m = p.metrics.add()
        m.name = "Node Control/Rebirth"
        m.datatype = 11  # Boolean
        m.boolean_value = True
        with open(path, "wb") as f:
            f.write(p.SerializeToString())


main()
