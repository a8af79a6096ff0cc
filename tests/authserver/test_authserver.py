"""The authorization server: client registration and the client credentials grant."""

from __future__ import annotations

import hashlib

import jwt
import pytest

from tokenlab import (
    AuthServer,
    InvalidClientError,
    InvalidScopeError,
    InvalidTargetError,
    RegisteredClient,
    ResourceServer,
    SimClock,
    UnauthorizedClientError,
)

from ..conftest import API, ISSUER


def test_client_credentials_token_has_rfc9068_claims(auth: AuthServer, app: RegisteredClient,
                                                     api: ResourceServer, clock: SimClock) -> None:
    t = auth.client_credentials(app.client_id, app.client_secret, scope="weather:read",
                                resource=API)
    header = jwt.get_unverified_header(t.access_token)
    assert header == {"typ": "at+jwt", "alg": "EdDSA", "kid": auth.keys.current.kid}
    claims = api.verify(t.access_token)
    now = int(clock.time())
    assert claims["iss"] == ISSUER and claims["aud"] == API
    assert claims["sub"] == claims["client_id"] == app.client_id  # RFC 9068 §2.2: no user
    assert claims["iat"] == now and claims["exp"] == now + 300
    assert claims["scope"] == "weather:read" and len(claims["jti"]) >= 16


def test_token_response_shape(auth: AuthServer, app: RegisteredClient, api: ResourceServer) -> None:
    t = auth.client_credentials(app.client_id, app.client_secret, scope="weather:read")
    assert t.token_type == "Bearer" and t.expires_in == 300 and t.scope == "weather:read"
    assert t.refresh_token is None  # RFC 6749 §4.4.3
    assert set(t.to_dict()) == {"access_token", "token_type", "expires_in", "scope"}
    assert t.access_token not in repr(t) and "…" in repr(t)


def test_default_scope_is_everything_registered(auth: AuthServer, app: RegisteredClient,
                                                api: ResourceServer) -> None:
    t = auth.client_credentials(app.client_id, app.client_secret)
    assert t.scope == "weather:read weather:write"
    assert api.verify(t.access_token, scope="weather:write")


def test_unregistered_scope_is_refused_not_narrowed(auth: AuthServer, app: RegisteredClient,
                                                    api: ResourceServer) -> None:
    with pytest.raises(InvalidScopeError, match="not registered for 'admin'") as ei:
        auth.client_credentials(app.client_id, app.client_secret, scope="weather:read admin")
    assert ei.value.error == "invalid_scope"


def test_scope_as_list_and_duplicates(auth: AuthServer, app: RegisteredClient,
                                      api: ResourceServer) -> None:
    t = auth.client_credentials(app.client_id, app.client_secret,
                                scope=["weather:write", "weather:read", "weather:write"])
    assert t.scope == "weather:write weather:read"


def test_wrong_or_unknown_client(auth: AuthServer, app: RegisteredClient, api: ResourceServer) -> None:
    other = auth.register_client("other", ["weather:read"])
    for cid, secret in [(app.client_id, "wrong"), ("nobody", app.client_secret),
                        (app.client_id, other.client_secret), (app.client_id, "")]:
        with pytest.raises(InvalidClientError, match="client authentication failed") as ei:
            auth.client_credentials(cid, secret)
        assert ei.value.error == "invalid_client" and ei.value.status == 401


def test_secrets_are_stored_hashed(auth: AuthServer, app: RegisteredClient) -> None:
    record = auth.clients.get(app.client_id)
    assert record is not None and app.client_secret is not None
    assert record.secret_hash == hashlib.sha256(app.client_secret.encode()).digest()
    assert app.client_secret not in repr(vars(auth)) + repr(record)
    assert app.client_secret not in repr(app)


def test_public_clients_cannot_use_client_credentials(auth: AuthServer, api: ResourceServer) -> None:
    spa = auth.register_client("spa", ["weather:read"], public=True,
                               redirect_uris=["https://spa.example/cb"])
    assert spa.client_secret is None and spa.public
    with pytest.raises(UnauthorizedClientError, match="public"):
        auth.client_credentials(spa.client_id, None)


def test_resource_becomes_audience(clock: SimClock) -> None:
    auth = AuthServer(ISSUER, clock=clock, seed=1)
    app = auth.register_client("app", ["s"])
    with pytest.raises(InvalidTargetError, match="resource="):
        auth.client_credentials(app.client_id, app.client_secret)  # no API known yet
    a = ResourceServer("https://a.example", auth)
    b = ResourceServer("https://b.example", auth)
    with pytest.raises(InvalidTargetError, match="known APIs"):
        auth.client_credentials(app.client_id, app.client_secret)  # two known: say which
    t = auth.client_credentials(app.client_id, app.client_secret, resource="https://b.example")
    assert b.verify(t.access_token)
    with pytest.raises(Exception, match="another API"):
        a.verify(t.access_token)
    with pytest.raises(InvalidTargetError, match="no tokens for"):
        auth.client_credentials(app.client_id, app.client_secret, resource="https://c.example")


def test_seeded_servers_are_reproducible() -> None:
    def world(seed: int) -> tuple[str, str | None, str]:
        auth = AuthServer(ISSUER, clock=SimClock(), seed=seed)
        app = auth.register_client("app", ["s"])
        ResourceServer(API, auth)
        return app.client_id, app.client_secret, auth.client_credentials(
            app.client_id, app.client_secret).access_token

    assert world(1) == world(1)
    assert world(1) != world(2)


def test_unseeded_servers_differ() -> None:
    ids = {AuthServer(ISSUER).register_client("app", ["s"]).client_secret for _ in range(3)}
    assert len(ids) == 3


def test_repr_says_demo_only(auth: AuthServer) -> None:
    assert "demo-only" in repr(auth)
    assert "demo-only" not in repr(AuthServer(ISSUER))
