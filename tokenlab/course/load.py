"""Load on the authorization server: what each way of checking tokens costs, request by request.

A self-contained JWT access token (RFC 9068) is checked by the API alone: the signature with the
issuer's published key, the claims against its own clock. In revocation mode ``"none"`` nothing
else happens; in ``"denylist"`` the API also looks the ``jti`` up in the list of revoked tokens it
shares with the authorization server — shared state, but no message. In ``"introspect"`` the API
asks the authorization server about the token (RFC 7662) — on every request, or once per
``cache_ttl`` seconds per token when it caches the answers.

:func:`run_load` plays ``requests`` API calls from ``clients`` apps against one API, on a fresh
seeded world and a :class:`~tokenlab.clock.SimClock`, and reads the answers off the wire: how many
requests were served, how many messages the API sent to the authorization server, how many token
requests the apps made. It also times each call to ``ResourceServer.verify`` in-process with
:func:`time.perf_counter_ns` — real time on this machine, so it differs from run to run; the
counts never do. :func:`compare_load` runs a grid of sizes and modes; :func:`load_table` prints the
counts (and only the counts) as a table.

>>> r = run_load(20, clients=2, revocation="introspect")
>>> (r.requests, r.served, r.auth_calls)
(20, 20, 20)
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..api.http import RECEIVER as API
from ..api.server import REVOCATION_MODES, ResourceServer
from ..authserver.http import RECEIVER as AUTH_SERVER
from ..authserver.server import AuthServer
from ..client.app import Client
from ..clock import SimClock
from ..jose.verify import VerifiedClaims

__all__ = [
    "API",
    "AUTH_SERVER",
    "DEFAULT_MODES",
    "DEFAULT_SIZES",
    "LoadMode",
    "LoadResult",
    "compare_load",
    "load_series",
    "load_table",
    "run_load",
]

ISSUER = "https://auth.example"
AUDIENCE = "https://api.example"
SCOPE = "weather:read"
PATH = "/weather"


@dataclass(frozen=True, slots=True)
class LoadMode:
    """How the API checks tokens: a revocation mode of :class:`ResourceServer`, and for
    ``"introspect"`` how long it caches an answer (0: it asks about every request)."""

    revocation: str
    cache_ttl: float = 0

    def __post_init__(self) -> None:
        if self.revocation not in REVOCATION_MODES:
            raise ValueError(f"revocation must be one of {', '.join(REVOCATION_MODES)}, "
                             f"got {self.revocation!r}")
        ttl = self.cache_ttl
        if isinstance(ttl, bool) or not isinstance(ttl, int | float) or not (
                math.isfinite(ttl) and ttl >= 0):
            raise ValueError(f"cache_ttl must be a finite number of seconds >= 0, got {ttl!r}")
        if ttl and self.revocation != "introspect":
            raise ValueError(f"cache_ttl caches introspection answers; revocation "
                             f"{self.revocation!r} asks nothing, so it has nothing to cache")

    @property
    def local(self) -> bool:
        """True when the API verifies on its own, without a message to the authorization server."""
        return self.revocation != "introspect"

    @property
    def label(self) -> str:
        """``"none"``, ``"denylist"``, ``"introspect"`` or ``"introspect, cache 60 s"``."""
        if self.cache_ttl:
            return f"{self.revocation}, cache {self.cache_ttl:g} s"
        return self.revocation

    def __str__(self) -> str:
        return self.label


#: Local verification twice, introspection without and with a one-minute cache.
DEFAULT_MODES = (LoadMode("none"), LoadMode("denylist"), LoadMode("introspect"),
                 LoadMode("introspect", 60))
#: How many API requests :func:`compare_load` plays by default.
DEFAULT_SIZES = (10, 100, 1000)


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What one run of :func:`run_load` saw on the wire, and how long verification took.

    ``auth_calls`` counts the messages the API sent to the authorization server (introspection);
    ``token_requests`` the apps' own requests for tokens, which every mode has. ``verify_ns`` holds
    one in-process timing per call to ``verify``, in nanoseconds: real time, different on every
    run and every machine — print the counts, not these.
    """

    mode: LoadMode
    clients: int
    requests: int
    served: int
    refused: int
    auth_calls: int
    token_requests: int
    duration: float
    verify_ns: tuple[int, ...] = field(default=(), repr=False, compare=False)

    @property
    def load_ratio(self) -> float:
        """Messages to the authorization server per API request: 0 for local verification,
        1 for introspection without a cache."""
        return self.auth_calls / self.requests if self.requests else 0.0

    @property
    def median_verify_ns(self) -> float:
        """The median time of one ``verify`` call in this run (nanoseconds, this machine)."""
        return float(statistics.median(self.verify_ns)) if self.verify_ns else math.nan

    @property
    def median_verify_us(self) -> float:
        """:attr:`median_verify_ns` in microseconds."""
        return self.median_verify_ns / 1000


class _MeteredAPI(ResourceServer):
    """A :class:`ResourceServer` that times each :meth:`verify` — everything the API does to
    decide about a token, including an introspection round trip in ``"introspect"`` mode."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.verify_ns: list[int] = []

    def verify(self, token: str | bytes, scope: str | Iterable[str] | None = None) -> VerifiedClaims:
        start = time.perf_counter_ns()
        try:
            return super().verify(token, scope)
        finally:
            self.verify_ns.append(time.perf_counter_ns() - start)


def _count(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a whole number, not {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def _mode(revocation: str | LoadMode, cache_ttl: float) -> LoadMode:
    if isinstance(revocation, LoadMode):
        if cache_ttl:
            raise ValueError("give cache_ttl inside the LoadMode, not beside it")
        return revocation
    return LoadMode(revocation, cache_ttl)


def run_load(
    requests: int,
    *,
    clients: int = 10,
    revocation: str | LoadMode = "none",
    cache_ttl: float = 0,
    interval: float = 1.0,
    access_ttl: int = 300,
    seed: int = 1,
) -> LoadResult:
    """Play ``requests`` calls to ``GET /weather`` from ``clients`` apps, in turn, one every
    ``interval`` simulated seconds, against an API checking tokens in mode ``revocation``
    (``cache_ttl``: how long an introspection answer is cached).

    Each app is a :class:`~tokenlab.client.app.Client` with the client credentials grant: it gets a
    token before its first call and a new one when the old one expires (``access_ttl``), so a
    long run also shows token renewal. Every message goes over the wire, and the counts are read
    from it. The world is new and seeded on every call, so the counts are reproducible.
    """
    _count("requests", requests, 1)
    _count("clients", clients, 1)
    mode = _mode(revocation, cache_ttl)
    if isinstance(interval, bool) or not isinstance(interval, int | float) or not (
            math.isfinite(interval) and interval > 0):
        raise ValueError(f"interval must be a finite number of seconds > 0, got {interval!r}")
    clock = SimClock()
    auth = AuthServer(issuer=ISSUER, clock=clock, seed=seed, access_ttl=access_ttl)
    api = _MeteredAPI(audience=AUDIENCE, auth=auth, revocation=mode.revocation,
                      introspection_cache_ttl=mode.cache_ttl)
    apps = [Client(auth, auth.register_client(f"app-{i + 1}", scopes=[SCOPE]), api, scope=SCOPE)
            for i in range(clients)]
    start = clock.time()
    for i in range(requests):
        apps[i % clients].get(PATH)
        clock.advance(interval)
    token_path = urlsplit(auth.metadata()["token_endpoint"]).path
    names = {app.name for app in apps}
    served = refused = auth_calls = token_requests = 0
    for event in auth.wire.events:
        if event.receiver == API:
            if event.status == 200:
                served += 1
            else:
                refused += 1
        elif event.receiver == AUTH_SERVER:
            if event.sender == API:
                auth_calls += 1
            elif event.sender in names and event.path == token_path:
                token_requests += 1
    return LoadResult(mode=mode, clients=clients, requests=requests, served=served,
                      refused=refused, auth_calls=auth_calls, token_requests=token_requests,
                      duration=clock.time() - start, verify_ns=tuple(api.verify_ns))


def compare_load(
    sizes: Iterable[int] = DEFAULT_SIZES,
    modes: Iterable[str | LoadMode] = DEFAULT_MODES,
    *,
    clients: int = 10,
    interval: float = 1.0,
    access_ttl: int = 300,
    seed: int = 1,
) -> list[LoadResult]:
    """:func:`run_load` for every size and mode: sizes in the outer loop, modes in the inner."""
    sizes = [_count("size", n, 1) for n in sizes]
    modes = [_mode(m, 0) for m in modes]
    if not sizes or not modes:
        raise ValueError("give at least one size and one mode")
    return [run_load(n, clients=clients, revocation=m, interval=interval, access_ttl=access_ttl,
                     seed=seed) for n in sizes for m in modes]


def load_series(results: Iterable[LoadResult]) -> dict[str, list[tuple[int, int]]]:
    """``{mode label: [(requests, auth_calls), ...]}``, each list sorted by requests — what
    :func:`tokenlab.viz.load.load_plot` draws."""
    series: dict[str, list[tuple[int, int]]] = {}
    for r in results:
        if not isinstance(r, LoadResult):
            raise TypeError(f"expected LoadResult items, not {type(r).__name__}")
        series.setdefault(r.mode.label, []).append((r.requests, r.auth_calls))
    return {label: sorted(points) for label, points in series.items()}


def load_table(results: Sequence[LoadResult]) -> str:
    """The counts of each run as a fixed-width table — reproducible, so fit for a stored output.
    (Timings are left out on purpose: they change from run to run.)"""
    header = ("requests", "mode", "served", "calls to auth server", "per request",
              "token requests")
    rows = [(f"{r.requests:,}", r.mode.label, f"{r.served:,}", f"{r.auth_calls:,}",
             f"{r.load_ratio:.2f}", f"{r.token_requests:,}") for r in results]
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    left = {1}  # the mode is text; numbers are right-aligned

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if i in left else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    previous = None
    for r, row in zip(results, rows, strict=True):
        if previous is not None and r.requests != previous:
            out.append("")
        out.append(line(row))
        previous = r.requests
    return "\n".join(out)
