"""Token revocation (RFC 7009), password changes, and how an API learns of revocations."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tokenlab import (
    AuthServer,
    ExpiredTokenError,
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    RegisteredClient,
    ResourceServer,
    RevokedTokenError,
    SimClock,
    TokenResponse,
    UnauthorizedClientError,
)
from tokenlab.store import DENYLIST

from ..conftest import API, ISSUER, PASSWORD, Forge, jti, rt


def snapshot(auth: AuthServer) -> dict[str, Any]:
    return copy.deepcopy(auth.store._kinds)


@pytest.mark.parametrize("secret", ["wrong", None, ""])
def test_rfc7009_2_1_client_must_authenticate(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, login: TokenResponse,
        secret: str | None) -> None:
    before = snapshot(auth)
    for token in (login.access_token, rt(login)):
        with pytest.raises(InvalidClientError) as ei:
            auth.revoke(token, app.client_id, secret)
        assert (ei.value.error, ei.value.status) == ("invalid_client", 401)
    with pytest.raises(InvalidClientError):
        auth.revoke(login.access_token, "nobody", app.client_secret)
    assert snapshot(auth) == before
    assert api.verify(login.access_token)


def test_rfc7009_2_1_a_token_of_another_client_is_refused(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer,
        login: TokenResponse) -> None:
    other = auth.register_client("other", ["weather:read"])
    before = snapshot(auth)
    for token in (login.access_token, rt(login)):
        with pytest.raises(UnauthorizedClientError, match="another client") as ei:
            auth.revoke(token, other.client_id, other.client_secret)
        assert ei.value.error == "unauthorized_client"
    assert snapshot(auth) == before
    assert api.verify(login.access_token)
    assert auth.refresh(rt(login), app.client_id, app.client_secret).access_token


def _foreign_token() -> str:
    """A well-formed access token from another server with the same issuer name."""
    other = AuthServer(ISSUER, clock=SimClock(), seed=99)
    app = other.register_client("weather-app", ["weather:read"])
    ResourceServer(API, other)
    return other.client_credentials(app.client_id, app.client_secret).access_token


@pytest.mark.parametrize("token", [
    "never-issued", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", "x" * 43, "é", _foreign_token(),
])
def test_rfc7009_2_2_unknown_or_malformed_token_still_succeeds(
        auth: AuthServer, app: RegisteredClient, login: TokenResponse, token: str) -> None:
    before = snapshot(auth)
    assert auth.revoke(token, app.client_id, app.client_secret) is None  # type: ignore[func-returns-value]
    assert auth.revoke(token, app.client_id, app.client_secret, "refresh_token") is None  # type: ignore[func-returns-value]
    assert snapshot(auth) == before


def test_rfc7009_2_2_an_id_token_signed_by_the_server_is_not_revoked_as_an_access_token(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, forge: Forge) -> None:
    id_token = forge(header={"typ": "JWT"}, client_id=app.client_id, jti="id-1")
    before = snapshot(auth)
    assert auth.revoke(id_token, app.client_id, app.client_secret) is None  # type: ignore[func-returns-value]
    assert snapshot(auth) == before


def test_rfc7009_2_1_token_is_required(auth: AuthServer, app: RegisteredClient) -> None:
    with pytest.raises(InvalidRequestError):
        auth.revoke("", app.client_id, app.client_secret)
    with pytest.raises(TypeError):
        auth.revoke(None, app.client_id, app.client_secret)  # type: ignore[arg-type]


@pytest.mark.parametrize("hint", [None, "access_token", "refresh_token"])
def test_rfc7009_2_1_a_wrong_hint_still_finds_the_token(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, login: TokenResponse,
        hint: str | None) -> None:
    """RFC 7009 §2.1: if the token is not found with the hint, the search MUST extend to
    every supported token type."""
    auth.revoke(login.access_token, app.client_id, app.client_secret, hint)
    with pytest.raises(RevokedTokenError):
        api.verify(login.access_token)
    auth.revoke(rt(login), app.client_id, app.client_secret, hint)
    with pytest.raises(InvalidGrantError, match="revoked"):
        auth.refresh(rt(login), app.client_id, app.client_secret)


def test_rfc7009_2_1_revoking_a_refresh_token_ends_its_family_and_its_access_tokens(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, login: TokenResponse,
        clock: SimClock) -> None:
    clock.advance(60)
    u2 = auth.refresh(rt(login), app.client_id, app.client_secret)
    clock.advance(60)
    u3 = auth.refresh(rt(u2), app.client_id, app.client_secret)
    other = auth.password_grant(app.client_id, app.client_secret, "alice", PASSWORD)
    assert auth.revoke(rt(u3), app.client_id, app.client_secret) is None  # type: ignore[func-returns-value]
    for t in (login, u2, u3):
        with pytest.raises(RevokedTokenError):
            api.verify(t.access_token)
        assert auth.introspect(t.access_token, app.client_id, app.client_secret) == {
            "active": False}
    with pytest.raises(InvalidGrantError, match="revoked") as ei:
        auth.refresh(rt(u3), app.client_id, app.client_secret)
    assert ei.value.error == "invalid_grant"
    assert auth.introspect(rt(u3), app.client_id, app.client_secret) == {"active": False}
    assert api.verify(other.access_token)  # another login is another family


def test_rfc7009_2_1_revoking_an_access_token_leaves_the_refresh_token(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer,
        login: TokenResponse) -> None:
    auth.revoke(login.access_token, app.client_id, app.client_secret)
    with pytest.raises(RevokedTokenError):
        api.verify(login.access_token)
    fresh = auth.refresh(rt(login), app.client_id, app.client_secret)
    assert api.verify(fresh.access_token)


def test_rfc7009_2_1_access_token_denylisted_until_exp_plus_largest_leeway_not_longer(
        clock: SimClock) -> None:
    auth = AuthServer(ISSUER, clock=clock, seed=1)
    app = auth.register_client("app", ["s"])
    strict = ResourceServer(API, auth)
    lenient = ResourceServer("https://lenient.example", auth, leeway=30)
    ResourceServer("https://mild.example", auth, leeway=10)
    t = auth.client_credentials(app.client_id, app.client_secret, resource=API)
    t2 = auth.client_credentials(app.client_id, app.client_secret,
                                 resource="https://lenient.example")
    exp = clock.time() + 300
    for token in (t.access_token, t2.access_token):
        auth.revoke(token, app.client_id, app.client_secret)
        assert auth.store.until(DENYLIST, jti(token)) == exp + 30
    clock.advance(300 + 29)
    auth.store.purge(clock.time())
    assert auth.store.count(DENYLIST) == 2
    with pytest.raises(RevokedTokenError):  # inside the lenient API's leeway: still refused
        lenient.verify(t2.access_token)
    clock.advance(1)  # exp + 30: no API accepts the token any more, so the entry may go
    assert auth.store.purge(clock.time()) == 2
    assert len(auth.store) == 0
    with pytest.raises(ExpiredTokenError):
        lenient.verify(t2.access_token)
    with pytest.raises(ExpiredTokenError):
        strict.verify(t.access_token)


def test_rfc7009_2_1_an_expired_access_token_is_not_stored(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, clock: SimClock) -> None:
    t = auth.client_credentials(app.client_id, app.client_secret)
    clock.advance(300)
    assert auth.revoke(t.access_token, app.client_id, app.client_secret) is None  # type: ignore[func-returns-value]
    assert len(auth.store) == 0


def test_rfc7009_2_1_revoking_twice_is_harmless(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer,
        login: TokenResponse) -> None:
    for _ in range(2):
        auth.revoke(login.access_token, app.client_id, app.client_secret)
        auth.revoke(rt(login), app.client_id, app.client_secret)
    with pytest.raises(RevokedTokenError):
        api.verify(login.access_token)


def test_rfc7009_2_1_public_client_revokes_with_its_client_id(
        auth: AuthServer, api: ResourceServer) -> None:
    spa = auth.register_client("spa", ["weather:read"], public=True,
                               redirect_uris=["https://spa.example/cb"])
    auth.register_user("alice", PASSWORD)
    t = auth.password_grant(spa.client_id, None, "alice", PASSWORD)
    auth.revoke(rt(t), spa.client_id)
    with pytest.raises(RevokedTokenError):
        api.verify(t.access_token)


# -- password change ------------------------------------------------------------------------------


def test_rfc9700_4_14_2_change_password_revokes_all_of_the_users_families(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer) -> None:
    other = auth.register_client("other", ["weather:read"])
    auth.register_user("alice", PASSWORD)
    auth.register_user("bob", PASSWORD)
    a1 = auth.password_grant(app.client_id, app.client_secret, "alice", PASSWORD)
    a2 = auth.password_grant(other.client_id, other.client_secret, "alice", PASSWORD)
    a3 = auth.refresh(rt(a1), app.client_id, app.client_secret)
    bob = auth.password_grant(app.client_id, app.client_secret, "bob", PASSWORD)
    machine = auth.client_credentials(app.client_id, app.client_secret)

    with pytest.raises(InvalidGrantError):
        auth.change_password("alice", "wrong", "new password")
    with pytest.raises(InvalidGrantError):
        auth.change_password("mallory", PASSWORD, "new password")
    with pytest.raises(InvalidRequestError):
        auth.change_password("alice", PASSWORD, "")
    assert api.verify(a1.access_token)  # failed attempts revoked nothing

    assert auth.change_password("alice", PASSWORD, "new password") == 3
    for t in (a1, a2, a3):
        with pytest.raises(RevokedTokenError):
            api.verify(t.access_token)
    for t, client in ((a3, app), (a2, other)):
        with pytest.raises(InvalidGrantError, match="password changed"):
            auth.refresh(rt(t), client.client_id, client.client_secret)
    assert api.verify(bob.access_token) and api.verify(machine.access_token)
    with pytest.raises(InvalidGrantError):
        auth.password_grant(app.client_id, app.client_secret, "alice", PASSWORD)
    assert auth.password_grant(app.client_id, app.client_secret, "alice", "new password")


def test_rfc9700_4_14_2_change_password_after_a_purge_still_revokes_late_access_tokens(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, login: TokenResponse,
        clock: SimClock) -> None:
    """Regression: an access token issued in the last minutes of a family outlives the family's
    expiry; a purge must not forget the family while that token lives, or a password change
    misses it."""
    clock.advance(auth.refresh_ttl - 1)
    late = auth.refresh(rt(login), app.client_id, app.client_secret)  # exp: family end + 299 s
    clock.advance(50)
    auth.store.purge(clock.time())
    assert auth.change_password("alice", PASSWORD, "new password") == 1
    with pytest.raises(RevokedTokenError):
        api.verify(late.access_token)


# -- how the API learns of revocations ------------------------------------------------------------


def test_rfc7009_revocation_mode_none_a_revoked_jwt_still_passes(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer,
        login: TokenResponse, clock: SimClock) -> None:
    """The lesson: a self-contained JWT stays valid until exp whatever the server knows."""
    stateless = ResourceServer(API, auth, revocation="none")
    auth.revoke(rt(login), app.client_id, app.client_secret)
    with pytest.raises(RevokedTokenError):
        api.verify(login.access_token)
    assert stateless.verify(login.access_token)["sub"] == "alice"
    clock.advance(300)
    with pytest.raises(ExpiredTokenError):
        stateless.verify(login.access_token)


def test_rfc7009_revocation_mode_denylist_is_the_default_and_immediate(
        auth: AuthServer, app: RegisteredClient, login: TokenResponse) -> None:
    api = ResourceServer(API, auth)
    assert api.revocation == "denylist"
    assert api.verify(login.access_token)
    auth.revoke(login.access_token, app.client_id, app.client_secret)
    with pytest.raises(RevokedTokenError, match="denylist") as ei:
        api.verify(login.access_token)
    assert ei.value.jti == jti(login.access_token)
    assert ei.value.report is not None and ei.value.report.failed_step is not None
    assert ei.value.report.failed_step.name == "claims"


def test_rfc7009_revocation_modes_are_checked(auth: AuthServer) -> None:
    with pytest.raises(ValueError, match="revocation must be one of"):
        ResourceServer(API, auth, revocation="sometimes")
    with pytest.raises(ValueError, match="needs auth"):
        ResourceServer(API, issuer=ISSUER, jwks=auth.jwks(), revocation="denylist")
    assert ResourceServer(API, issuer=ISSUER, jwks=auth.jwks()).revocation == "none"
    with pytest.raises(ValueError, match="introspection_cache_ttl"):
        ResourceServer(API, auth, revocation="introspect", introspection_cache_ttl=-1)


# -- token_type_hint orders the lookup (RFC 7009 §2.1) --------------------------------------------


def _spy_lookups(auth: AuthServer, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record which lookups revoke makes, in order: the refresh-token store, then (or first)
    the access-token check."""
    from tokenlab.jose.verify import Verifier

    calls: list[str] = []
    find_refresh = auth.families.find_refresh_token
    validate = Verifier.validate

    def spy_refresh(token: str) -> Any:
        calls.append("refresh_token")
        return find_refresh(token)

    def spy_access(self: Verifier, *args: Any, **kw: Any) -> Any:
        calls.append("access_token")
        return validate(self, *args, **kw)

    monkeypatch.setattr(auth.families, "find_refresh_token", spy_refresh)
    monkeypatch.setattr(Verifier, "validate", spy_access)
    return calls


@pytest.mark.parametrize(("hint", "kind", "lookups"), [
    ("access_token", "access", ["access_token"]),
    ("access_token", "refresh", ["access_token", "refresh_token"]),
    ("refresh_token", "refresh", ["refresh_token"]),
    ("refresh_token", "access", ["refresh_token", "access_token"]),
    (None, "refresh", ["refresh_token"]),
    (None, "access", ["refresh_token", "access_token"]),
])
def test_rfc7009_2_1_the_hint_orders_the_lookup_and_a_miss_extends_the_search(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, login: TokenResponse,
        monkeypatch: pytest.MonkeyPatch, hint: str | None, kind: str,
        lookups: list[str]) -> None:
    """RFC 7009 §2.1: the hint "MAY" be used "to optimize the token lookup. If the server is
    unable to locate the token using the given hint, it MUST extend its search across all of
    its supported token types." The hinted kind is looked up first, and only on a miss the
    other."""
    token = login.access_token if kind == "access" else rt(login)
    calls = _spy_lookups(auth, monkeypatch)
    auth.revoke(token, app.client_id, app.client_secret, hint)
    assert calls == lookups
    with pytest.raises(RevokedTokenError):
        api.verify(login.access_token)


def test_rfc7009_2_2_revoking_an_expired_token_still_inside_an_apis_leeway_denies_it(
        auth: AuthServer, app: RegisteredClient, clock: SimClock) -> None:
    """Revocation checks the token with the shared rules but not its lifetime: a token past
    exp that a lenient API still accepts must reach the denylist."""
    lenient = ResourceServer(API, auth, leeway=30)
    t = auth.client_credentials(app.client_id, app.client_secret)
    clock.advance(310)
    assert lenient.verify(t.access_token)
    auth.revoke(t.access_token, app.client_id, app.client_secret)
    with pytest.raises(RevokedTokenError):
        lenient.verify(t.access_token)


def test_rfc7009_2_2_revoking_a_not_yet_valid_own_token_denies_it(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, clock: SimClock,
        forge: Forge) -> None:
    """A token that becomes valid later is revoked now: otherwise it would come alive after
    the client asked for it to end."""
    token = forge(client_id=app.client_id, nbf=int(clock.time()) + 60)
    auth.revoke(token, app.client_id, app.client_secret)
    clock.advance(60)
    with pytest.raises(RevokedTokenError):
        api.verify(token)
