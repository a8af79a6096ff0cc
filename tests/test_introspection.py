"""Token introspection (RFC 7662) and the API mode that relies on it."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from tokenlab import (
    AuthServer,
    ExpiredTokenError,
    InvalidClientError,
    RegisteredClient,
    ResourceServer,
    RevokedTokenError,
    SimClock,
    TokenError,
    TokenResponse,
)

from .conftest import API, ISSUER, PASSWORD, Forge, rt

ACTIVE_KEYS = {"active", "scope", "client_id", "sub", "exp", "iat", "iss", "aud", "jti",
               "token_type"}


@pytest.fixture
def login(auth: AuthServer, app: RegisteredClient, api: ResourceServer) -> TokenResponse:
    auth.register_user("alice", PASSWORD)
    return auth.password_grant(app.client_id, app.client_secret, "alice", PASSWORD,
                               scope="weather:read")



@pytest.mark.parametrize("secret", [None, "", "wrong"])
def test_rfc7662_2_1_the_caller_must_authenticate(
        auth: AuthServer, app: RegisteredClient, login: TokenResponse,
        secret: str | None) -> None:
    for token in (login.access_token, rt(login)):
        with pytest.raises(InvalidClientError) as ei:
            auth.introspect(token, app.client_id, secret)
        assert (ei.value.error, ei.value.status) == ("invalid_client", 401)
    with pytest.raises(InvalidClientError):
        auth.introspect(login.access_token, "nobody", app.client_secret)


def test_rfc7662_2_1_a_public_client_cannot_introspect(
        auth: AuthServer, login: TokenResponse) -> None:
    spa = auth.register_client("spa", ["weather:read"], public=True,
                               redirect_uris=["https://spa.example/cb"])
    with pytest.raises(InvalidClientError, match="client authentication"):
        auth.introspect(login.access_token, spa.client_id, None)


def test_rfc7662_2_2_active_access_token_has_exactly_the_standard_keys(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, login: TokenResponse,
        clock: SimClock) -> None:
    facts = auth.introspect(login.access_token, app.client_id, app.client_secret)
    assert set(facts) == ACTIVE_KEYS
    claims = api.verify(login.access_token)
    now = int(clock.time())
    assert facts == {
        "active": True, "scope": "weather:read", "client_id": app.client_id, "sub": "alice",
        "exp": now + 300, "iat": now, "iss": ISSUER, "aud": API, "jti": claims["jti"],
        "token_type": "Bearer",
    }
    clock.advance(299)  # one second before exp: still active
    assert auth.introspect(login.access_token, app.client_id, app.client_secret)["active"]


def test_rfc7662_2_2_active_refresh_token_has_exactly_the_standard_keys(
        auth: AuthServer, app: RegisteredClient, login: TokenResponse, clock: SimClock) -> None:
    issued = int(clock.time())
    clock.advance(100)
    facts = auth.introspect(rt(login), app.client_id, app.client_secret)
    assert set(facts) == ACTIVE_KEYS
    assert facts["active"] is True and facts["token_type"] == "refresh_token"
    assert (facts["sub"], facts["client_id"], facts["scope"]) == ("alice", app.client_id,
                                                                 "weather:read")
    assert (facts["iat"], facts["exp"]) == (issued, issued + auth.refresh_ttl)
    assert (facts["iss"], facts["aud"]) == (ISSUER, API)
    assert isinstance(facts["jti"], str) and facts["jti"] not in rt(login)


def test_rfc7662_2_2_introspection_only_reads(
        auth: AuthServer, app: RegisteredClient, login: TokenResponse) -> None:
    before = copy.deepcopy(auth.store._kinds)
    for token in (login.access_token, rt(login), "junk"):
        auth.introspect(token, app.client_id, app.client_secret)
    assert auth.store._kinds == before
    assert auth.refresh(rt(login), app.client_id, app.client_secret).access_token


Inactive = Callable[[AuthServer, RegisteredClient, TokenResponse, SimClock, Forge], str]


def _expired_access(auth: AuthServer, app: RegisteredClient, t: TokenResponse, clock: SimClock,
                    forge: Forge) -> str:
    clock.advance(300)  # exactly exp: on or after is expired (RFC 7519 §4.1.4)
    return t.access_token


def _revoked_access(auth: AuthServer, app: RegisteredClient, t: TokenResponse, clock: SimClock,
                    forge: Forge) -> str:
    auth.revoke(t.access_token, app.client_id, app.client_secret)
    return t.access_token


def _family_revoked_access(auth: AuthServer, app: RegisteredClient, t: TokenResponse,
                           clock: SimClock, forge: Forge) -> str:
    auth.revoke(rt(t), app.client_id, app.client_secret)
    return t.access_token


def _spent_refresh(auth: AuthServer, app: RegisteredClient, t: TokenResponse, clock: SimClock,
                   forge: Forge) -> str:
    auth.refresh(rt(t), app.client_id, app.client_secret)
    return rt(t)


def _revoked_refresh(auth: AuthServer, app: RegisteredClient, t: TokenResponse, clock: SimClock,
                     forge: Forge) -> str:
    auth.revoke(rt(t), app.client_id, app.client_secret)
    return rt(t)


def _expired_refresh(auth: AuthServer, app: RegisteredClient, t: TokenResponse, clock: SimClock,
                     forge: Forge) -> str:
    clock.advance(auth.refresh_ttl)
    return rt(t)


def _foreign(auth: AuthServer, app: RegisteredClient, t: TokenResponse, clock: SimClock,
             forge: Forge) -> str:
    other = AuthServer(ISSUER, clock=clock, seed=2)
    o = other.register_client("weather-app", ["weather:read"])
    ResourceServer(API, other)
    return other.client_credentials(o.client_id, o.client_secret).access_token


def _const(token: str) -> Inactive:
    return lambda auth, app, t, clock, forge: token


def _forged(**kw: object) -> Inactive:
    return lambda auth, app, t, clock, forge: forge(**kw)


INACTIVE: dict[str, Inactive] = {
    "expired access token": _expired_access,
    "revoked access token": _revoked_access,
    "access token of a revoked family": _family_revoked_access,
    "spent refresh token": _spent_refresh,
    "revoked refresh token": _revoked_refresh,
    "expired refresh token": _expired_refresh,
    "unknown": _const("never-issued"),
    "malformed": _const("a.b.c"),
    "unsigned": _const("eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.eyJzdWIiOiJhbGljZSJ9."),
    "another server's token": _foreign,
    "an ID token (typ JWT)": _forged(header={"typ": "JWT"}),
    "another issuer": _forged(iss="https://evil.example"),
    "not yet valid": lambda auth, app, t, clock, forge: forge(nbf=int(clock.time()) + 60),
    "no aud": _forged(drop=("aud",)),
    "nbf not a time": _forged(nbf="soon"),
    "exp not finite": _forged(exp=float("nan")),
    "iat not a time": _forged(iat="yesterday"),
    "unknown kid": _forged(header={"kid": "nope"}),
}


@pytest.mark.parametrize("make", INACTIVE.values(), ids=INACTIVE.keys())
def test_rfc7662_2_2_anything_not_active_is_exactly_active_false(
        auth: AuthServer, app: RegisteredClient, login: TokenResponse, clock: SimClock,
        forge: Forge, make: Inactive) -> None:
    token = make(auth, app, login, clock, forge)
    assert auth.introspect(token, app.client_id, app.client_secret) == {"active": False}


def test_rfc7662_2_2_a_forged_baseline_token_is_active(
        auth: AuthServer, app: RegisteredClient, forge: Forge, clock: SimClock) -> None:
    """The forger above is the real key: its unchanged token is active, so each inactive case
    really tests the one change it makes."""
    facts = auth.introspect(forge(), app.client_id, app.client_secret)
    assert facts["active"] is True and facts["jti"] == "jti-1"


# -- the API's "introspect" revocation mode -------------------------------------------------------


def test_rfc7662_revocation_mode_introspect_asks_on_every_request_without_cache(
        auth: AuthServer, app: RegisteredClient, login: TokenResponse) -> None:
    api = ResourceServer(API, auth, revocation="introspect")
    for n in range(1, 4):
        assert api.verify(login.access_token)
        assert api.introspection_calls == n
    auth.revoke(login.access_token, app.client_id, app.client_secret)
    with pytest.raises(RevokedTokenError, match="introspection"):
        api.verify(login.access_token)
    assert api.introspection_calls == 4


def test_rfc7662_revocation_mode_introspect_cache_delays_revocation(
        auth: AuthServer, app: RegisteredClient, login: TokenResponse, clock: SimClock) -> None:
    """A cached "active" answer outlives a revocation until the cache entry expires: the price
    of fewer calls (RFC 7662 §4 warns about caching)."""
    api = ResourceServer(API, auth, revocation="introspect", introspection_cache_ttl=60)
    assert api.verify(login.access_token) and api.introspection_calls == 1
    clock.advance(10)
    auth.revoke(login.access_token, app.client_id, app.client_secret)
    clock.advance(49)  # 59 s after the answer: still served from the cache
    assert api.verify(login.access_token)["sub"] == "alice"
    assert api.introspection_calls == 1
    clock.advance(1)  # 60 s: the entry expired, the API asks again and learns
    with pytest.raises(RevokedTokenError):
        api.verify(login.access_token)
    assert api.introspection_calls == 2
    with pytest.raises(RevokedTokenError):  # and the negative answer is cached too
        api.verify(login.access_token)
    assert api.introspection_calls == 2


def test_rfc7662_revocation_mode_introspect_never_asks_about_a_locally_invalid_token(
        auth: AuthServer, login: TokenResponse, clock: SimClock) -> None:
    api = ResourceServer(API, auth, revocation="introspect", introspection_cache_ttl=600)
    assert api.verify(login.access_token)
    clock.advance(300)
    with pytest.raises(ExpiredTokenError):  # the cache never stretches a token's life
        api.verify(login.access_token)
    with pytest.raises(TokenError):
        api.verify("a.b.c")
    assert api.introspection_calls == 1
