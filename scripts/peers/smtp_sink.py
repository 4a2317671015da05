#!/usr/bin/env python3
"""A real SMTP server for the notification tests (aiosmtpd).

Saves every accepted message as NNN.eml in --out; requires AUTH (PLAIN/LOGIN)
with --user/--password when given; --mode starttls (STARTTLS required),
tls (implicit TLS) or plain. Prints "ready PORT" when listening; runs until killed.
"""
import argparse, itertools, os, signal, ssl, sys, threading
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, required=True)
p.add_argument("--out", required=True)
p.add_argument("--mode", choices=["starttls", "tls", "plain"], default="starttls")
p.add_argument("--cert")
p.add_argument("--key")
p.add_argument("--user")
p.add_argument("--password")
a = p.parse_args()
os.makedirs(a.out, exist_ok=True)
counter = itertools.count(1)


class Saver:
    async def handle_DATA(self, server, session, envelope):
        n = next(counter)
        with open(os.path.join(a.out, f"{n:03}.eml.tmp"), "wb") as f:
            f.write(b"X-Envelope-From: " + envelope.mail_from.encode() + b"\r\n")
            f.write(b"X-Envelope-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content)
        os.rename(os.path.join(a.out, f"{n:03}.eml.tmp"), os.path.join(a.out, f"{n:03}.eml"))
        return "250 Message accepted for delivery"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == a.user and auth_data.password.decode() == a.password
    return AuthResult(success=ok, handled=False)


context = None
if a.mode != "plain":
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(a.cert, a.key)

kwargs = {}
if a.user:
    # With implicit TLS aiosmtpd does not see the session as TLS (it tracks STARTTLS only), so only
    # STARTTLS mode asks for TLS before AUTH; the connection is encrypted in both.
    kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=a.mode == "starttls")
if a.mode == "starttls":
    kwargs.update(tls_context=context, require_starttls=True)
controller = Controller(Saver(), hostname="127.0.0.1", port=a.port,
                        ssl_context=context if a.mode == "tls" else None, server_kwargs=kwargs)
controller.start()
print(f"ready {a.port}", flush=True)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
signal.signal(signal.SIGINT, lambda *_: stop.set())
while not stop.wait(0.2):  # a bare wait() would not let the signal handler run
    pass
controller.stop()
