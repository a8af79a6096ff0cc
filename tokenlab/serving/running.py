"""The running pair: the authorization server and one API, each on its own port of 127.0.0.1,
served in background threads — :func:`serve` starts them, :meth:`Serving.close` (or leaving
``with``) stops them.

The issuer is ``http://127.0.0.1:PORT`` (``https`` with ``tls=True``). RFC 8414 §2 wants an
``https`` issuer; :class:`~tokenlab.AuthServer` refuses plain http except on localhost — its
choice, so the lessons can show what plain http exposes on a socket nobody else can reach.
The clock is the real one (:class:`~tokenlab.SystemClock`). One demo client (confidential;
client credentials and the authorization code flow with a loopback redirect URI, RFC 8252 §7.3)
and one demo user are registered, and their secrets are shown to whoever started the server:
**demo only**. With a ``seed`` the keys, the client's id and secret and the user's password are
the same on every run (and published, so demo only all the more).
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from ..api.server import ResourceServer
from ..authserver.server import AuthServer
from ..clock import SystemClock
from .adapter import Listener
from .tls import LocalCA

__all__ = ["DEMO_SCOPES", "DEMO_USER", "REDIRECT_URI", "Serving", "serve"]

#: RFC 8252 §7.3: a native app's redirect to the loopback interface.
REDIRECT_URI = "http://127.0.0.1/callback"
DEMO_USER = "demo-user"
DEMO_SCOPES = ("weather:read", "weather:write", "openid")


def _check_port(name: str, port: object) -> int:
    if isinstance(port, bool) or not isinstance(port, int):
        raise TypeError(f"{name} must be a whole number (0 = any free port), not {port!r}")
    if not 0 <= port <= 65535:
        raise ValueError(f"{name} must be between 0 (any free port) and 65535, got {port}")
    return port


def _store_path(store: object) -> Path | None:
    """``None`` (memory) or the path of ``"sqlite:PATH"``."""
    if store is None:
        return None
    if not isinstance(store, str) or not store.startswith("sqlite:") or not store[len("sqlite:"):]:
        raise ValueError(f"store must be None (in memory) or 'sqlite:PATH', e.g. "
                         f"'sqlite:tokenlab.db'; got {store!r}")
    return Path(store[len("sqlite:"):])


#: How many of the latest exchanges a running server's wire holds (older ones are let go).
WIRE_KEEP = 10_000


class Serving:
    """The authorization server at :attr:`issuer` and its API at :attr:`api`, over real HTTP.

    :attr:`auth` and :attr:`resource_server` are the very objects whose ``handle()`` answers;
    their wire (``auth.wire``) records every real request. :attr:`client_id` and
    :attr:`client_secret` belong to the demo client, :meth:`info` says everything a client
    needs. :attr:`ca_cert` is the path of this run's CA certificate with ``tls=True`` (trust it,
    and nothing else), else ``None``.
    """

    def __init__(self, *, port: int = 0, api_port: int = 0, seed: int | str | None = None,
                 store: str | None = None, tls: bool = False, dpop_required: bool = False) -> None:
        _check_port("port", port)
        _check_port("api_port", api_port)
        if not isinstance(tls, bool) or not isinstance(dpop_required, bool):
            raise TypeError("tls and dpop_required must be True or False")
        path = _store_path(store)
        self._ca = LocalCA.create() if tls else None
        self.ca_cert: str | None = str(self._ca.ca_cert) if self._ca else None
        context = self._ca.server_context() if self._ca else None
        self._listeners: list[Listener] = []
        self._threads: list[threading.Thread] = []
        self._store: Any = None
        try:
            self._listeners.append(Listener(port, context))
            self._listeners.append(Listener(api_port, context))
            clock = SystemClock()
            if path is not None:  # imported when asked for: the durable store (stdlib sqlite3)
                from ..sqlite_store import SQLiteStore

                self._store = SQLiteStore(path, clock=clock)
            issuer, api = (listener.base_url for listener in self._listeners)
            self.auth = AuthServer(issuer, clock=clock, seed=seed, store=self._store)
            # A server runs for hours: its wire keeps the latest exchanges, not all of them.
            self.auth.wire.keep = WIRE_KEEP
            self.resource_server = ResourceServer(
                api, auth=self.auth, dpop="required" if dpop_required else "optional")
            client = self.auth.register_client("demo app (demo only)", scopes=DEMO_SCOPES,
                                               redirect_uris=[REDIRECT_URI])
            assert client.client_secret is not None
            self._password = self.auth.random.token_urlsafe("demo user password", 12)
            self.auth.register_user(DEMO_USER, self._password)
        except BaseException:
            self.close()
            raise
        self.issuer: str = self.auth.issuer
        self.api: str = api
        self.client_id: str = client.client_id
        self.client_secret: str = client.client_secret
        self.seed = seed
        self.store = store
        self.dpop_required = dpop_required
        self._listeners[0].handle = self.auth.handle
        self._listeners[1].handle = self.resource_server.handle
        for name, listener in zip(("auth", "api"), self._listeners, strict=True):
            thread = threading.Thread(target=listener.serve_forever, kwargs={"poll_interval": 0.1},
                                      name=f"tokenlab-serve {name} :{listener.port}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def info(self) -> dict[str, Any]:
        """What a client needs, as ``tokenlab serve`` prints it on its first line."""
        return {
            "issuer": self.issuer, "api": self.api,
            "client_id": self.client_id, "client_secret": self.client_secret,
            "redirect_uri": REDIRECT_URI, "username": DEMO_USER, "password": self._password,
            "demo_only": True, "seeded": self.seed is not None,
            "ca_cert": self.ca_cert, "store": self.store or "memory",
            "dpop_required": self.dpop_required,
        }

    def close(self) -> None:
        """Stop both listeners, end their connections, close the store, delete the TLS files.
        Safe to call twice."""
        for listener in self._listeners:
            if any(t.is_alive() for t in self._threads):
                listener.shutdown()
        for thread in self._threads:
            thread.join()
        for listener in self._listeners:
            listener.server_close()
        self._listeners, self._threads = [], []
        if self._store is not None and hasattr(self._store, "close"):
            with contextlib.suppress(Exception):
                self._store.close()
            self._store = None
        if self._ca is not None:
            self._ca.remove()
            self._ca = None

    def __enter__(self) -> Serving:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "running" if self._threads else "stopped"
        return (f"Serving(issuer={self.issuer!r}, api={self.api!r}, {state}"
                f"{', TLS' if self.ca_cert else ''}{', DPoP required' if self.dpop_required else ''}"
                f"{', seeded: demo-only' if self.seed is not None else ''})")


def serve(*, port: int = 0, api_port: int = 0, seed: int | str | None = None,
          store: str | None = None, tls: bool = False, dpop_required: bool = False) -> Serving:
    """Start the authorization server and its API on 127.0.0.1 in background threads.

    ``port`` / ``api_port``: 0 picks a free port. ``store``: ``None`` (in memory, forgotten at
    exit) or ``"sqlite:PATH"`` (durable). ``tls``: HTTPS with a CA made for this run.
    ``dpop_required``: the API takes DPoP-bound tokens only (RFC 9449 §7).

    >>> with serve(seed=1) as s:                     # doctest: +SKIP
    ...     s.issuer, s.api
    """
    return Serving(port=port, api_port=api_port, seed=seed, store=store, tls=tls,
                   dpop_required=dpop_required)


