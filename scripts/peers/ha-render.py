#!/usr/bin/env python3
"""Renders Home Assistant MQTT templates with Jinja2, as Home Assistant does: each template sees
`value` (the payload text) and `value_json` (the payload parsed). Reads a JSON list of
{"template", "payload"} on stdin; prints a JSON list of the rendered texts (or "ERROR: …")."""
import json
import sys

import jinja2

env = jinja2.Environment(undefined=jinja2.StrictUndefined)
out = []
for item in json.load(sys.stdin):
    try:
        payload = item["payload"]
        out.append(env.from_string(item["template"]).render(value=payload, value_json=json.loads(payload)))
    except Exception as e:  # a template that fails in Home Assistant fails here too
        out.append(f"ERROR: {type(e).__name__}: {e}")
print(json.dumps(out))
