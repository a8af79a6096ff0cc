"""The world a story happens in: one simulated clock, a seeded authorization server, the weather
API, a user and an app — the cast of notebook 00, rebuilt identically from a seed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..api.server import ResourceServer
from ..authserver.server import AuthServer
from ..client.app import Client
from ..clock import SimClock
from ..net.wire import Wire

__all__ = ["API", "CALLBACK", "ISSUER", "PASSWORD", "USERNAME", "World", "build_world"]

ISSUER = "https://auth.example"
API = "https://api.example"
CALLBACK = "https://app.example/callback"
USERNAME = "alice"
#: Alice's demo password: the scenarios are seeded and public, so is this.
PASSWORD = "correct horse battery staple"  # noqa: S105 - a published course password


@dataclass(slots=True)
class World:
    """Everything a flow's steps act on. ``memo`` carries what one step hands to a later one
    (the state the app sent, a copy of a token) — story state, not server state."""

    seed: int
    clock: SimClock
    auth: AuthServer
    api: ResourceServer
    app: Client
    username: str = USERNAME
    password: str = PASSWORD
    memo: dict[str, Any] = field(default_factory=dict)

    @property
    def wire(self) -> Wire:
        """Where every message between the actors is recorded (shared by the servers)."""
        return self.auth.wire

    def __repr__(self) -> str:
        return (f"World(seed={self.seed}, {self.clock!r}, app={self.app.name!r}, "
                f"{len(self.wire)} events)")


def build_world(
    seed: int,
    *,
    app: str,
    grant: str,
    scopes: tuple[str, ...] = ("weather:read",),
    scope: str | None = "weather:read",
    public: bool = False,
) -> World:
    """A fresh world: a :class:`SimClock` at the course epoch, ``AuthServer(seed=seed)``, the
    weather API (denylist revocation), Alice registered, and an app ``app`` registered for
    ``scopes`` that logs in with ``grant`` asking for ``scope``."""
    clock = SimClock()
    auth = AuthServer(issuer=ISSUER, clock=clock, seed=seed)
    api = ResourceServer(audience=API, auth=auth)
    auth.register_user(USERNAME, PASSWORD)
    redirect_uris = [CALLBACK] if grant == "authorization_code" else []
    registration = auth.register_client(app, scopes=scopes, public=public,
                                        redirect_uris=redirect_uris)
    client = Client(auth, registration, api, grant=grant, scope=scope)
    return World(seed, clock, auth, api, client)
