"""Shared fixtures: a seeded course world on a simulated clock, and a forger that signs
arbitrary headers/claims with the issuer's real key (to test each policy rule on its own)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt
import pytest

from tokenlab import AuthServer, RegisteredClient, ResourceServer, SimClock, TokenResponse

ISSUER = "https://auth.example"
API = "https://api.example"
#: Alice's password in every test that logs a user in.
PASSWORD = "correct horse battery staple"

Forge = Callable[..., str]


@pytest.fixture
def clock() -> SimClock:
    return SimClock()


@pytest.fixture
def auth(clock: SimClock) -> AuthServer:
    return AuthServer(issuer=ISSUER, clock=clock, seed=1)


@pytest.fixture
def app(auth: AuthServer) -> RegisteredClient:
    return auth.register_client("weather-app", scopes=["weather:read", "weather:write"])


@pytest.fixture
def api(auth: AuthServer) -> ResourceServer:
    return ResourceServer(audience=API, auth=auth)


@pytest.fixture
def forge(auth: AuthServer, clock: SimClock) -> Forge:
    """``forge(header={...}, drop=(...), drop_header=(...), **claims)``.

    A token signed by the issuer's real key with the standard header and RFC 9068 claims,
    changed as asked."""

    def make(*, header: dict[str, Any] | None = None, drop: tuple[str, ...] = (),
             drop_header: tuple[str, ...] = (), key: Any = None, algorithm: str | None = None,
             **claims: Any) -> str:
        signing = auth.keys.current
        now = int(clock.time())
        body: dict[str, Any] = {
            "iss": ISSUER, "sub": "alice", "aud": API, "exp": now + 300, "iat": now,
            "jti": "jti-1", "client_id": "weather-app", "scope": "weather:read",
        }
        body.update(claims)
        for name in drop:
            body.pop(name)
        hdr: dict[str, Any] = {"kid": signing.kid, "typ": "at+jwt"}
        hdr.update(header or {})
        for name in drop_header:
            hdr.pop(name)
        return jwt.encode(body, signing._private if key is None else key,
                          algorithm=algorithm or signing.algorithm, headers=hdr)

    return make



@pytest.fixture
def login(auth: AuthServer, app: RegisteredClient, api: ResourceServer) -> TokenResponse:
    """Alice logs in to the weather app (password grant): a token pair with a refresh token."""
    auth.register_user("alice", PASSWORD)
    return auth.password_grant(app.client_id, app.client_secret, "alice", PASSWORD)


def rt(t: TokenResponse) -> str:
    """The refresh token of a response that must have one."""
    assert t.refresh_token is not None
    return t.refresh_token


def jti(token: str) -> str:
    """A JWT's ``jti``, read without verification (the tests check it elsewhere)."""
    return str(jwt.decode(token, options={"verify_signature": False})["jti"])
