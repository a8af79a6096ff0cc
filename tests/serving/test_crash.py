"""Revocations survive a crash: `tokenlab serve --store sqlite:PATH` killed with SIGKILL.

A server process revokes tokens over real HTTP (RFC 7009) in a loop, driven by a client thread;
after a random number of acknowledged revocations — with the next request possibly in flight —
the process is killed with SIGKILL, 50 times. After each kill the database passes
``PRAGMA integrity_check``, and a new server process on the same file must hold every promise
the old ones made: every revocation that was acknowledged (HTTP 200 received) is in force at the
API, and every token that was issued and never sent for revocation still verifies — issued by an
earlier process, signed with its key, so the signing keys survived too (no ``--seed``: the keys
are random and exist only in the database). A revocation in flight at the kill may land or not;
it is in neither set.

Nothing waits on a clock: the kill happens when the client has counted its k-th acknowledgement
(a threading.Event), a restart is ready when the process prints its JSON line.
"""

from __future__ import annotations

import contextlib
import json
import random
import signal
import sqlite3
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tokenlab.net.messages import basic_authorization

from .processes import ENTRY, Running

KILLS = 50
#: Tokens the client holds at each life: some are revoked, the rest must keep working.
TOKENS_PER_LIFE = 12


@dataclass
class Server:
    proc: Running
    issuer: str
    api: str
    client_id: str
    client_secret: str


@contextlib.contextmanager
def serve(db: Path, ports: tuple[int, int] = (0, 0)) -> Iterator[Server]:
    """A `tokenlab serve` process on ``db``; ready when it has printed its JSON line. A restart
    takes the same ports: the issuer is its URL, and a token names its issuer (``iss``)."""
    running = Running([*ENTRY, "serve", "--port", str(ports[0]), "--api-port", str(ports[1]),
                       "--store", f"sqlite:{db}"])
    try:
        line = running.next_line()
        assert line is not None, f"tokenlab serve did not start: {running.proc.stderr.read()}"
        info = json.loads(line)
        yield Server(running, info["issuer"], info["api"], info["client_id"],
                     info["client_secret"])
    finally:
        running.close()


def _post(url: str, form: dict[str, str], client_id: str, secret: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=urllib.parse.urlencode(form).encode(), method="POST",
        headers={"Authorization": basic_authorization(client_id, secret),
                 "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            body = r.read()
            return r.status, json.loads(body) if body else {}
    except urllib.error.HTTPError as e:
        return e.code, {}


def _port(url: str) -> int:
    port = urllib.parse.urlsplit(url).port
    assert port is not None, url
    return port


def _api_status(server: Server, token: str) -> int:
    request = urllib.request.Request(server.api.rstrip("/") + "/weather",
                                     headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def _token(server: Server) -> str:
    status, body = _post(server.issuer.rstrip("/") + "/token",
                         {"grant_type": "client_credentials", "scope": "weather:read"},
                         server.client_id, server.client_secret)
    assert status == 200, body
    return str(body["access_token"])


@dataclass
class Ledger:
    """What the servers promised, across lives."""

    revoked: set[str] = field(default_factory=set)  # acknowledged with HTTP 200
    kept: set[str] = field(default_factory=set)  # issued, never sent for revocation
    in_flight: set[str] = field(default_factory=set)  # sent when the process died: unknown
    acknowledged: int = 0
    unknown: int = 0  # revocations in flight at a kill, over all lives


def _revoke_until_killed(server: Server, tokens: list[str], ledger: Ledger, k: int,
                         reached: threading.Event) -> None:
    for token in tokens:
        ledger.in_flight.add(token)
        try:
            status, _ = _post(server.issuer.rstrip("/") + "/revoke",
                              {"token": token, "token_type_hint": "access_token"},
                              server.client_id, server.client_secret)
        except OSError:  # the process was killed under this request
            return
        if status != 200:
            return
        ledger.in_flight.discard(token)
        ledger.revoked.add(token)
        ledger.acknowledged += 1
        if ledger.acknowledged >= k:
            reached.set()
    reached.set()


def _check(server: Server, ledger: Ledger) -> None:
    refused = sorted(t[-12:] for t in ledger.revoked if _api_status(server, t) != 401)
    assert refused == [], f"acknowledged revocations not in force after a kill: {refused}"
    broken = sorted(t[-12:] for t in ledger.kept if _api_status(server, t) != 200)
    assert broken == [], f"tokens never revoked no longer verify after a kill: {broken}"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_acknowledged_revocations_survive_sigkill_50_times(tmp_path: Path) -> None:
    db = tmp_path / "tokenlab.sqlite"
    rng = random.Random(13)
    ledger = Ledger()
    ports = (0, 0)
    for life in range(KILLS):
        with serve(db, ports) as server:
            ports = (_port(server.issuer), _port(server.api))
            _check(server, ledger)  # what every earlier life promised
            tokens = [_token(server) for _ in range(TOKENS_PER_LIFE)]
            to_revoke, keep = tokens[: TOKENS_PER_LIFE - 2], tokens[TOKENS_PER_LIFE - 2:]
            ledger.kept.update(keep)
            k = ledger.acknowledged + rng.randint(1, len(to_revoke))
            reached = threading.Event()
            client = threading.Thread(target=_revoke_until_killed,
                                      args=(server, to_revoke, ledger, k, reached))
            client.start()
            assert reached.wait(timeout=60), f"life {life}: the client never reached {k}"
            server.proc.stop(signal.SIGKILL)
            client.join(timeout=60)
            assert not client.is_alive()
            # Sent but never answered: revoked or not, nobody was told — in neither set.
            ledger.kept -= ledger.in_flight
            ledger.unknown += len(ledger.in_flight)
            ledger.in_flight.clear()
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with serve(db, ports) as server:
        _check(server, ledger)
    assert len(ledger.revoked) >= KILLS and len(ledger.kept) >= KILLS
    print(f"{KILLS} SIGKILLs: {len(ledger.revoked)} acknowledged revocations all in force, "
          f"{len(ledger.kept)} unrevoked tokens from earlier lives all verify, {ledger.unknown} "
          "revocations in flight at a kill (either outcome allowed), integrity_check ok each time")
