"""``tokenlab serve``: the authorization server and its API over real HTTP on 127.0.0.1, in
the foreground, until Ctrl-C or SIGTERM.

It prints one JSON line first (``issuer``, ``api``, the demo client's ``client_id`` and
``client_secret``, ``"demo_only": true`` and the rest of :meth:`Serving.info`), so a script can
read it, then a banner for a person, with curl commands to try. A mistake on the command line
is one line on stderr and exit status 2; a port already in use, one line and status 1.
"""

from __future__ import annotations

import argparse
import difflib
import json
import signal
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn, TextIO

from .running import Serving, _check_port, _store_path, serve

__all__ = ["banner", "main"]

PROG = "tokenlab serve"


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line that says what to type instead."""

    def error(self, message: str) -> NoReturn:
        options = [o for action in self._actions for o in action.option_strings if o.startswith("--")]
        hint = ""
        if message.startswith("unrecognized arguments:"):
            typed = message.split(":", 1)[1].split()
            guess = next((m[0] for t in typed if t.startswith("-")
                          for m in [difflib.get_close_matches(t.split("=")[0], options, 1)] if m), None)
            hint = f"; did you mean {guess}?" if guess else ""
        self.exit(2, f"{self.prog}: {message}{hint} (options: {' '.join(options)})\n")


def _port(text: str) -> int:
    try:
        return _check_port("the port", int(text))
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ValueError) and text.strip().lstrip("-").isdigit():
            raise argparse.ArgumentTypeError(str(exc)) from None
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a port number: give a whole number, e.g. --port 8000 (0 = any free port)"
        ) from None


def _store(text: str) -> str:
    try:
        _store_path(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a store: write --store sqlite:PATH, e.g. --store sqlite:tokenlab.db "
            "(leave it out to keep everything in memory)") from None
    return text


def _seed(text: str) -> int | str:
    return int(text) if text.lstrip("-").isdigit() else text


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Serve tokenlab's authorization server and an API over "
                "real HTTP on 127.0.0.1 (for learning: the demo client's secret is printed).")
    p.add_argument("--port", type=_port, default=0,
                   help="the authorization server's port (default 0: any free port)")
    p.add_argument("--api-port", type=_port, default=0, help="the API's port (default 0: any free port)")
    p.add_argument("--seed", type=_seed, default=None,
                   help="reproducible keys, client id/secret and password (published: demo only)")
    p.add_argument("--store", type=_store, default=None,
                   help="sqlite:PATH keeps revocations, refresh tokens and keys across restarts "
                        "(default: in memory, forgotten at exit)")
    p.add_argument("--tls", action="store_true",
                   help="HTTPS with a CA made for this run (its certificate's path is printed)")
    p.add_argument("--dpop-required", action="store_true",
                   help="the API takes DPoP-bound tokens only (RFC 9449)")
    return p


def banner(s: Serving) -> str:
    """What a person reads after the JSON line: where things are, and what to type."""
    info = s.info()
    cacert = f"--cacert {info['ca_cert']} " if info["ca_cert"] else ""
    tls = (f"HTTPS; trust this run's CA only: {info['ca_cert']}" if info["ca_cert"] else
           "off: plain http, which anyone on the path reads (fine on 127.0.0.1 only; try --tls)")
    store = ("in memory (forgotten at exit)" if s.store is None else
             f"{s.store} (revocations, refresh tokens and keys survive a restart)")
    return "\n".join([
        "tokenlab serve: the course's authorization server and API over real HTTP (demo only)",
        f"  authorization server  {s.issuer}  (metadata: {s.issuer}/.well-known/oauth-authorization-server)",
        f"  API                   {s.api}  (GET /weather, POST /weather, GET /me)"
        + ("  DPoP-bound tokens only" if s.dpop_required else ""),
        f"  demo client           {s.client_id} / {s.client_secret}  (demo only: shown for the lesson)",
        f"  demo user             {info['username']} / {info['password']}  (demo only), redirect URI "
        f"{info['redirect_uri']}",
        f"  TLS                   {tls}",
        f"  store                 {store}",
        "Try:",
        f"  curl {cacert}-u {s.client_id}:{s.client_secret} -d grant_type=client_credentials "
        f"-d scope=weather:read {s.issuer}/token",
        f"  curl {cacert}-H \"Authorization: Bearer $TOKEN\" {s.api}/weather",
        "Ctrl-C stops it.",
    ])


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    args = parser().parse_args(argv)
    out = out if out is not None else sys.stdout
    try:
        s = serve(port=args.port, api_port=args.api_port, seed=args.seed, store=args.store,
                  tls=args.tls, dpop_required=args.dpop_required)
    except OSError as exc:
        taken = [p for p in (args.port, args.api_port) if p]
        where = f"port {' or '.join(map(str, taken))}" if taken else "a port"
        print(f"{PROG}: cannot listen on {where} of 127.0.0.1 ({exc.strerror or exc}): pick "
              "another with --port / --api-port, or --port 0 for any free port", file=sys.stderr)
        return 1
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(json.dumps(s.info()), file=out, flush=True)
        print(banner(s), file=out, flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        s.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print(f"{PROG}: stopped", file=sys.stderr)
    return 0
