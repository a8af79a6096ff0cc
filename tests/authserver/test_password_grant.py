"""The resource owner password credentials grant (RFC 6749 §4.3), deprecated by RFC 9700 §2.4."""

from __future__ import annotations

import hashlib
from typing import Any

import jwt
import pytest

from tokenlab import (
    AuthServer,
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    InvalidTargetError,
    RegisteredClient,
    ResourceServer,
    SimClock,
    TokenError,
)

from ..conftest import API, ISSUER, PASSWORD


@pytest.fixture
def alice(auth: AuthServer) -> str:
    auth.register_user("alice", PASSWORD)
    return "alice"


def test_rfc9700_2_4_password_grant_docstring_says_it_is_deprecated() -> None:
    doc = AuthServer.password_grant.__doc__ or ""
    assert "RFC 6749 §4.3" in doc
    assert "deprecated" in doc.lower()
    assert "RFC 9700 §2.4" in doc and "MUST NOT" in doc
    assert "authorization code" in doc and "PKCE" in doc  # and says what to use instead


def test_rfc6749_4_3_3_issues_access_and_refresh_token(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, alice: str,
        clock: SimClock) -> None:
    t = auth.password_grant(app.client_id, app.client_secret, alice, PASSWORD,
                            scope="weather:read", resource=API)
    assert (t.token_type, t.expires_in, t.scope) == ("Bearer", 300, "weather:read")
    assert t.refresh_token is not None and t.refresh_token != t.access_token
    assert set(t.to_dict()) == {"access_token", "token_type", "expires_in", "scope",
                                "refresh_token"}
    claims = api.verify(t.access_token, scope="weather:read")
    now = int(clock.time())
    assert claims["sub"] == "alice" and claims["client_id"] == app.client_id
    assert (claims["iss"], claims["aud"], claims["iat"], claims["exp"]) == (
        ISSUER, API, now, now + 300)
    assert jwt.get_unverified_header(t.access_token)["typ"] == "at+jwt"
    # RFC 6749 §10.10: a refresh token is 256 random bits (base64url, 43 characters), opaque.
    assert len(t.refresh_token) == 43 and "." not in t.refresh_token
    assert t.refresh_token not in repr(t)


@pytest.mark.parametrize(("username", "password"), [("alice", "wrong"), ("mallory", PASSWORD),
                                                    ("mallory", "wrong"), ("ALICE", PASSWORD)])
def test_rfc6749_4_3_2_wrong_password_or_unknown_user_is_invalid_grant_same_message(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, alice: str,
        username: str, password: str) -> None:
    with pytest.raises(InvalidGrantError) as ei:
        auth.password_grant(app.client_id, app.client_secret, username, password)
    assert type(ei.value) is InvalidGrantError
    assert (ei.value.error, ei.value.status) == ("invalid_grant", 400)
    assert ei.value.description == "wrong user name or password"
    assert len(auth.store) == 0


def test_rfc6749_3_3_scope_default_narrower_and_refused(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, alice: str) -> None:
    """RFC 6749 §3.3: no scope means the registered default; a scope outside it is refused."""
    full = auth.password_grant(app.client_id, app.client_secret, alice, PASSWORD)
    assert full.scope == "weather:read weather:write"
    assert api.verify(full.access_token, scope="weather:write")
    narrow = auth.password_grant(app.client_id, app.client_secret, alice, PASSWORD,
                                 scope=["weather:read"])
    assert narrow.scope == "weather:read"
    bad_scopes: list[str | list[str]] = ["admin", "weather:read admin", "", "   ", []]
    for bad in bad_scopes:
        with pytest.raises(InvalidScopeError) as ei:
            auth.password_grant(app.client_id, app.client_secret, alice, PASSWORD, scope=bad)
        assert ei.value.error == "invalid_scope"


def test_rfc6749_4_3_2_confidential_client_must_authenticate_before_the_password_is_checked(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, alice: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    real = hashlib.scrypt

    def spy(*args: Any, **kwargs: Any) -> bytes:
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", spy)
    for cid, secret in [(app.client_id, None), (app.client_id, "wrong"), ("nobody", "x")]:
        with pytest.raises(InvalidClientError) as ei:
            auth.password_grant(cid, secret, alice, PASSWORD)
        assert (ei.value.error, ei.value.status) == ("invalid_client", 401)
    assert calls == []  # no password oracle for a client that failed to authenticate


def test_rfc6749_4_3_2_public_client_may_use_the_grant_without_a_secret(
        auth: AuthServer, api: ResourceServer, alice: str) -> None:
    """RFC 6749 §4.3.2 requires authentication only of confidential clients; a public client
    identifies itself with its client_id. (RFC 9700 §2.4 forbids the grant for everyone.)"""
    spa = auth.register_client("spa", ["weather:read"], public=True,
                               redirect_uris=["https://spa.example/cb"])
    t = auth.password_grant(spa.client_id, None, alice, PASSWORD)
    assert t.refresh_token is not None
    assert api.verify(t.access_token)["client_id"] == spa.client_id
    with pytest.raises(InvalidRequestError, match="public"):
        auth.password_grant(spa.client_id, "a secret it does not have", alice, PASSWORD)
    # Its refresh token rotates like any other (RFC 9700 §4.14.2 for public clients).
    t2 = auth.refresh(t.refresh_token, spa.client_id)
    assert t2.refresh_token != t.refresh_token


@pytest.mark.parametrize(("field", "value", "exc"), [
    ("username", "", InvalidRequestError), ("password", "", InvalidRequestError),
    ("username", None, TypeError), ("password", b"pw", TypeError),
])
def test_rfc6749_4_3_2_username_and_password_are_required_strings(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, alice: str,
        field: str, value: Any, exc: type[Exception]) -> None:
    kw: dict[str, Any] = {"username": alice, "password": PASSWORD, field: value}
    with pytest.raises(exc):
        auth.password_grant(app.client_id, app.client_secret, **kw)


def test_rfc8707_2_password_grant_resource_becomes_audience(clock: SimClock) -> None:
    auth = AuthServer(ISSUER, clock=clock, seed=1)
    app = auth.register_client("app", ["s"])
    a = ResourceServer("https://a.example", auth)
    ResourceServer("https://b.example", auth)
    auth.register_user("alice", PASSWORD)
    with pytest.raises(InvalidTargetError):
        auth.password_grant(app.client_id, app.client_secret, "alice", PASSWORD)
    with pytest.raises(InvalidTargetError):
        auth.password_grant(app.client_id, app.client_secret, "alice", PASSWORD,
                            resource="https://c.example")
    t = auth.password_grant(app.client_id, app.client_secret, "alice", PASSWORD,
                            resource="https://a.example")
    assert a.verify(t.access_token)["aud"] == "https://a.example"


def _world() -> tuple[AuthServer, RegisteredClient]:
    auth = AuthServer(ISSUER, clock=SimClock(), seed=1)
    app = auth.register_client("weather-app", ["weather:read", "weather:write"])
    ResourceServer(API, auth)
    auth.register_user("alice", PASSWORD)
    return auth, app


def test_rfc6749_4_3_2_failed_attempts_change_no_state() -> None:
    """Seeded determinism: a server that saw failed attempts issues exactly the tokens a fresh
    one does — a failure drew no randomness and stored nothing."""
    quiet, quiet_app = _world()
    noisy, noisy_app = _world()
    assert quiet_app == noisy_app
    failures: list[dict[str, Any]] = [
        {"username": "alice", "password": "wrong"},
        {"username": "mallory", "password": PASSWORD},
        {"username": "alice", "password": PASSWORD, "scope": "admin"},
        {"username": "alice", "password": PASSWORD, "resource": "https://elsewhere.example"},
        {"username": "alice", "password": ""},
        {"username": "alice", "password": PASSWORD, "client_secret": "wrong"},
    ]
    for kw in failures:
        args: dict[str, Any] = {"client_id": noisy_app.client_id,
                                "client_secret": noisy_app.client_secret, **kw}
        with pytest.raises(TokenError):
            noisy.password_grant(**args)
    assert len(noisy.store) == len(quiet.store) == 0
    a = quiet.password_grant(quiet_app.client_id, quiet_app.client_secret, "alice", PASSWORD)
    b = noisy.password_grant(noisy_app.client_id, noisy_app.client_secret, "alice", PASSWORD)
    assert a == b
