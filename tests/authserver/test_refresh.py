"""The refresh token grant (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14)."""

from __future__ import annotations

import pytest

import tokenlab
from tokenlab import (
    AuthServer,
    ExpiredTokenError,
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    RefreshTokenReuseError,
    RegisteredClient,
    ResourceServer,
    RevokedTokenError,
    SimClock,
    TokenError,
    TokenResponse,
)
from tokenlab.store import DENYLIST

from ..conftest import PASSWORD, jti, rt


def test_rfc9700_4_14_2_public_face_of_issue_3_exactly(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer) -> None:
    auth.register_user("alice", "correct horse battery staple")
    u = auth.password_grant(app.client_id, app.client_secret, "alice",
                            "correct horse battery staple", scope="weather:read",
                            resource="https://api.example")
    u2 = auth.refresh(rt(u), app.client_id, app.client_secret)  # rotation: u's is spent
    assert rt(u2) != rt(u) and api.verify(u2.access_token)["scope"] == "weather:read"
    with pytest.raises(RefreshTokenReuseError) as ei:
        auth.refresh(rt(u), app.client_id, app.client_secret)  # family revoked
    assert ei.value.error == "invalid_grant"
    assert auth.revoke(u2.access_token, app.client_id, app.client_secret) is None  # type: ignore[func-returns-value]
    assert auth.introspect(u2.access_token, app.client_id, app.client_secret) == {
        "active": False}
    with pytest.raises(RevokedTokenError) as rev:
        api.verify(u2.access_token)
    assert rev.value.error == "invalid_token"


def test_rfc9700_4_14_2_new_errors_are_token_errors_exported_from_tokenlab() -> None:
    from tokenlab import RefreshTokenReuseError as Reuse
    from tokenlab import RevokedTokenError as Revoked

    assert issubclass(Revoked, TokenError) and issubclass(Reuse, TokenError)
    assert issubclass(Reuse, InvalidGrantError)  # a reuse is an invalid_grant on the wire
    assert {"RevokedTokenError", "RefreshTokenReuseError"} <= set(tokenlab.__all__)
    assert Revoked("x").error == "invalid_token"
    assert Reuse("x", family_id="f").error == "invalid_grant" and Reuse.status == 400


def test_rfc9700_4_14_2_rotation_on_every_use(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, login: TokenResponse,
        clock: SimClock) -> None:
    chain = [login]
    for _ in range(5):
        clock.advance(60)
        chain.append(auth.refresh(rt(chain[-1]), app.client_id, app.client_secret))
    refresh_tokens = [rt(t) for t in chain]
    assert len(set(refresh_tokens)) == len(chain)
    assert len({t.access_token for t in chain}) == len(chain)
    for old in refresh_tokens[:-1]:  # every exchanged token is spent
        assert auth.introspect(old, app.client_id, app.client_secret) == {"active": False}
    assert auth.introspect(refresh_tokens[-1], app.client_id, app.client_secret)["active"]
    for t in chain[1:]:
        assert t.scope == login.scope and t.expires_in == 300
        assert api.verify(t.access_token)["sub"] == "alice"


def test_rfc9700_4_14_2_rotated_token_keeps_the_family_absolute_expiry(
        auth: AuthServer, app: RegisteredClient, login: TokenResponse, clock: SimClock) -> None:
    expires_at = clock.time() + auth.refresh_ttl
    current = login
    for step in (3600, 40000, auth.refresh_ttl - 3600 - 40000 - 1):  # ends at expires_at - 1
        clock.advance(step)
        current = auth.refresh(rt(current), app.client_id, app.client_secret)
        facts = auth.introspect(rt(current), app.client_id, app.client_secret)
        assert facts["exp"] == expires_at  # never extended by rotation
    assert clock.time() == expires_at - 1
    clock.advance(1)  # now == expires_at: on the boundary, expired
    with pytest.raises(ExpiredTokenError) as ei:
        auth.refresh(rt(current), app.client_id, app.client_secret)
    err = ei.value
    assert (err.error, err.status, err.exp, err.now) == ("invalid_grant", 400, expires_at,
                                                         expires_at)
    assert "log in again" in err.description
    assert auth.introspect(rt(current), app.client_id, app.client_secret) == {"active": False}
    clock.advance(1)
    with pytest.raises(ExpiredTokenError):
        auth.refresh(rt(current), app.client_id, app.client_secret)


def test_rfc9700_4_14_2_reused_refresh_token_revokes_the_whole_family(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, login: TokenResponse,
        clock: SimClock) -> None:
    clock.advance(400)  # the first access token has expired by itself
    u2 = auth.refresh(rt(login), app.client_id, app.client_secret)
    clock.advance(60)
    u3 = auth.refresh(rt(u2), app.client_id, app.client_secret)
    other = auth.password_grant(app.client_id, app.client_secret, "alice", PASSWORD)

    with pytest.raises(RefreshTokenReuseError) as ei:
        auth.refresh(rt(login), app.client_id, app.client_secret)  # the thief, or the app
    err = ei.value
    assert err.error == "invalid_grant" and err.status == 400 and err.family_id
    assert "access tokens not expired yet (2 revoked)" in err.description
    assert "RFC 9700 §4.14.2" in err.description

    # The latest refresh token of the family fails too: revoked, not "reused".
    with pytest.raises(InvalidGrantError, match="revoked") as latest:
        auth.refresh(rt(u3), app.client_id, app.client_secret)
    assert type(latest.value) is InvalidGrantError
    # Every live access token of the family is rejected by the API at once.
    for t in (u2, u3):
        with pytest.raises(RevokedTokenError) as rev:
            api.verify(t.access_token)
        assert rev.value.error == "invalid_token" and rev.value.status == 401
        assert rev.value.jti == jti(t.access_token)
    # Only live ones went on the denylist; the expired one would be refused anyway.
    assert auth.store.count(DENYLIST) == 2
    # Another login of the same user is another family: untouched.
    assert api.verify(other.access_token)
    assert auth.refresh(rt(other), app.client_id, app.client_secret).access_token


def test_rfc9700_4_14_2_reuse_of_any_spent_token_in_the_chain_is_detected(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, login: TokenResponse) -> None:
    u2 = auth.refresh(rt(login), app.client_id, app.client_secret)
    u3 = auth.refresh(rt(u2), app.client_id, app.client_secret)
    with pytest.raises(RefreshTokenReuseError):
        auth.refresh(rt(u2), app.client_id, app.client_secret)  # the middle one
    with pytest.raises(RevokedTokenError):
        api.verify(u3.access_token)
    # Once revoked, a second replay is a plain invalid_grant (nothing more to revoke).
    with pytest.raises(InvalidGrantError) as again:
        auth.refresh(rt(login), app.client_id, app.client_secret)
    assert type(again.value) is InvalidGrantError


def test_rfc6749_10_4_refresh_token_is_bound_to_its_client(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer,
        login: TokenResponse) -> None:
    other = auth.register_client("other", ["weather:read", "weather:write"])
    with pytest.raises(InvalidGrantError, match="another client") as ei:
        auth.refresh(rt(login), other.client_id, other.client_secret)
    assert type(ei.value) is InvalidGrantError and ei.value.error == "invalid_grant"
    for secret in ("wrong", None, other.client_secret):
        with pytest.raises(InvalidClientError):
            auth.refresh(rt(login), app.client_id, secret)
    # Neither attempt spent the token or revoked anything.
    assert api.verify(login.access_token)
    assert auth.refresh(rt(login), app.client_id, app.client_secret).refresh_token


def test_rfc6749_6_scope_may_narrow_never_widen(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer) -> None:
    auth.register_user("alice", PASSWORD)
    u = auth.password_grant(app.client_id, app.client_secret, "alice", PASSWORD,
                            scope="weather:read weather:write")
    narrow = auth.refresh(rt(u), app.client_id, app.client_secret, scope="weather:read")
    assert narrow.scope == "weather:read"
    assert api.verify(narrow.access_token)["scope"] == "weather:read"
    # Omitted, the scope is the one originally granted (RFC 6749 §6), not the narrowed one.
    back = auth.refresh(rt(narrow), app.client_id, app.client_secret)
    assert back.scope == "weather:read weather:write"

    small = auth.password_grant(app.client_id, app.client_secret, "alice", PASSWORD,
                                scope="weather:read")
    for wider in ("weather:read weather:write", "weather:write", "admin"):
        with pytest.raises(InvalidScopeError) as ei:
            auth.refresh(rt(small), app.client_id, app.client_secret, scope=wider)
        assert ei.value.error == "invalid_scope"
    # A refused widening does not spend the refresh token.
    assert auth.refresh(rt(small), app.client_id, app.client_secret).scope == "weather:read"


@pytest.mark.parametrize(("token", "exc"), [
    ("", InvalidRequestError), ("never-issued", InvalidGrantError), (None, TypeError),
    (b"bytes", TypeError),
])
def test_rfc6749_6_refresh_token_must_be_a_known_string(
        auth: AuthServer, app: RegisteredClient, login: TokenResponse, token: object,
        exc: type[Exception]) -> None:
    with pytest.raises(exc):
        auth.refresh(token, app.client_id, app.client_secret)  # type: ignore[arg-type]


def test_rfc6749_6_access_token_is_not_a_refresh_token(
        auth: AuthServer, app: RegisteredClient, login: TokenResponse) -> None:
    with pytest.raises(InvalidGrantError, match="unknown refresh token"):
        auth.refresh(login.access_token, app.client_id, app.client_secret)


def test_rfc6749_4_4_3_client_credentials_tokens_cannot_be_refreshed(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer) -> None:
    t = auth.client_credentials(app.client_id, app.client_secret)
    assert t.refresh_token is None
    with pytest.raises(InvalidGrantError):
        auth.refresh(t.access_token, app.client_id, app.client_secret)
