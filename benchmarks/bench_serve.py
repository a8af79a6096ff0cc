"""The request rate ``tokenlab serve`` sustains with 8 concurrent clients.

Each round: 8 threads, each with one keep-alive HTTP/1.1 connection (``http.client``), send
``GET /weather`` with a bearer token to the API of :func:`tokenlab.serve` on 127.0.0.1 — the
token verified on every request (signature, claims, denylist). The baseline, in the same
process and the same round: the same 8 threads calling ``ResourceServer.handle()`` directly with
the same Request (no socket, no HTTP parsing). Per-request wall time = round time / requests;
the ratio is what the real socket and HTTP/1.1 cost on top of ``handle()``. Client and server
share one process and its GIL (and the machine's cores), so the rate is a floor. Informational.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable

from benchlib import Row, ensure_repo_on_path, iqr, median

ensure_repo_on_path()

import tokenlab  # noqa: E402
from tokenlab.net.messages import Request  # noqa: E402

CLIENTS = 8


def _round(work: Callable[[], None], per_client: int) -> float:
    """Seconds for ``CLIENTS`` threads to each run ``work`` ``per_client`` times, started together."""
    barrier = threading.Barrier(CLIENTS + 1)
    failures: list[BaseException] = []

    def client() -> None:
        barrier.wait()
        try:
            for _ in range(per_client):
                work()
        except BaseException as exc:  # reported below: a failed request spoils the figure
            failures.append(exc)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise failures[0]
    return elapsed


def serve_row(*, quick: bool = False) -> Row:
    per_client, rounds = (50, 3) if quick else (400, 7)
    with tokenlab.serve(seed=1) as s:
        s.auth.wire.clear()
        answer = s.auth.handle(Request.post(s.issuer + "/token", {
            "grant_type": "client_credentials", "scope": "weather:read",
            "client_id": s.client_id, "client_secret": s.client_secret}))
        token = answer.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        request = Request.get(s.api + "/weather", headers)
        port = int(s.api.rsplit(":", 1)[1])
        local = threading.local()

        def over_http() -> None:
            conn = getattr(local, "conn", None)
            if conn is None:
                conn = local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/weather", headers=headers)
            r = conn.getresponse()
            r.read()
            if r.status != 200:
                raise RuntimeError(f"GET /weather answered {r.status}")

        def direct() -> None:
            if s.resource_server.handle(request).status != 200:
                raise RuntimeError("handle() refused the token")

        base, real, ratios = [], [], []
        n = CLIENTS * per_client
        for _ in range(rounds):
            b = _round(direct, per_client) / n * 1e6
            r = _round(over_http, per_client) / n * 1e6
            base.append(b)
            real.append(r)
            ratios.append(r / b)
            s.auth.wire.clear()  # every round starts from an empty wire
    rate = 1e6 / median(real)
    return Row(f"tokenlab serve: GET /weather, {CLIENTS} keep-alive clients", median(base),
               median(real), "us", median(ratios), iqr(ratios), None, rounds,
               note=f"{rate:,.0f} requests/s over HTTP (handle() alone: {1e6 / median(base):,.0f}/s); "
                    f"per request, wall time / {n:,} requests per round, median of {rounds} rounds")


def run(*, quick: bool = False) -> list[Row]:
    return [serve_row(quick=quick)]
