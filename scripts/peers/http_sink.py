#!/usr/bin/env python3
"""An HTTP endpoint for the SMS-gateway tests: appends each request as one JSON
line (method, path, headers, body) to --out and answers --status. Prints
"ready PORT"; runs until killed."""
import argparse, json, signal, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, required=True)
p.add_argument("--out", required=True)
p.add_argument("--status", type=int, default=200)
a = p.parse_args()


class Handler(BaseHTTPRequestHandler):
    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        with open(a.out, "a") as f:
            f.write(json.dumps({"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}) + "\n")
        reply = b'{"ok": true}' if a.status < 300 else b'{"error": "quota exceeded"}'
        self.send_response(a.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_POST = do_PUT = do_GET = handle_any

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", a.port), Handler)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print(f"ready {a.port}", flush=True)
server.serve_forever()
