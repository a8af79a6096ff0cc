"""``AuthServer(rotate_refresh_tokens=False)``: the refresh token is not rotated.

RFC 6749 §6: "The authorization server MAY issue a new refresh token" — with rotation off it
does not: every refresh returns a new access token and the same refresh token, which is not
spent, so there is nothing to detect a copy by (no RFC 9700 §4.14.2 reuse detection). The
token works until the family's absolute expiry or a revocation.
"""

from __future__ import annotations

import pytest

from tokenlab import (
    AuthServer,
    ExpiredTokenError,
    InvalidGrantError,
    InvalidScopeError,
    RefreshTokenReuseError,
    RegisteredClient,
    ResourceServer,
    RevokedTokenError,
    SimClock,
    TokenResponse,
)

from ..conftest import API, ISSUER, PASSWORD, jti, rt
from .test_dpop_token_endpoint import (
    TOKEN,
    claims_of,
    login_form,
    make_key,
    refresh_form,
    token_request,
)


@pytest.fixture
def auth(clock: SimClock) -> AuthServer:
    return AuthServer(issuer=ISSUER, clock=clock, seed=1, rotate_refresh_tokens=False)


def test_rfc9700_4_14_2_rotation_stays_the_default(clock: SimClock) -> None:
    auth = AuthServer(issuer=ISSUER, clock=clock, seed=1)
    ResourceServer(audience=API, auth=auth)
    app = auth.register_client("weather-app", scopes=["weather:read"])
    auth.register_user("alice", PASSWORD)
    first = auth.password_grant(app.client_id, app.client_secret, "alice", PASSWORD)
    second = auth.refresh(rt(first), app.client_id, app.client_secret)
    assert rt(second) != rt(first)
    with pytest.raises(RefreshTokenReuseError):
        auth.refresh(rt(first), app.client_id, app.client_secret)
    assert "rotation off" not in repr(auth)


def test_rfc6749_6_rotation_off_returns_a_new_access_token_and_the_same_refresh_token(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, login: TokenResponse,
        clock: SimClock) -> None:
    seen = {jti(login.access_token)}
    for _ in range(5):  # the same token, many times: never spent, no reuse detected
        clock.advance(60)
        again = auth.refresh(rt(login), app.client_id, app.client_secret)
        assert rt(again) == rt(login)
        assert jti(again.access_token) not in seen
        seen.add(jti(again.access_token))
        assert api.verify(again.access_token)["sub"] == "alice"
    facts = auth.introspect(rt(login), app.client_id, app.client_secret)
    assert facts["active"] is True


def test_rfc6749_6_rotation_off_over_http_answers_the_same_refresh_token(
        auth: AuthServer, app: RegisteredClient, login: TokenResponse) -> None:
    form = {"grant_type": "refresh_token", "refresh_token": rt(login)}
    for _ in range(2):
        r = token_request(auth, form, client=app, proof=None)
        assert r.status == 200, r.json()
        assert r.json()["refresh_token"] == rt(login)


def test_rfc9700_4_14_2_rotation_off_a_copy_is_not_detected_both_holders_keep_going(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, login: TokenResponse) -> None:
    victim = auth.refresh(rt(login), app.client_id, app.client_secret)
    thief = auth.refresh(rt(login), app.client_id, app.client_secret)  # the copy
    victim_again = auth.refresh(rt(victim), app.client_id, app.client_secret)
    for token in (victim.access_token, thief.access_token, victim_again.access_token):
        assert api.verify(token)["sub"] == "alice"  # nobody's token was revoked


def test_rfc9700_4_14_2_rotation_off_the_family_absolute_expiry_still_ends_it(
        auth: AuthServer, app: RegisteredClient, login: TokenResponse, clock: SimClock) -> None:
    expires_at = clock.time() + auth.refresh_ttl
    clock.advance(auth.refresh_ttl - 1)  # expires_at - 1: still works
    last = auth.refresh(rt(login), app.client_id, app.client_secret)
    assert rt(last) == rt(login)
    assert auth.introspect(rt(login), app.client_id, app.client_secret)["exp"] == expires_at
    clock.advance(1)  # now == expires_at: expired
    with pytest.raises(ExpiredTokenError) as ei:
        auth.refresh(rt(login), app.client_id, app.client_secret)
    assert ei.value.error == "invalid_grant"


def test_rfc7009_2_1_rotation_off_revocation_still_ends_the_refresh_token(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, login: TokenResponse) -> None:
    again = auth.refresh(rt(login), app.client_id, app.client_secret)
    auth.revoke(rt(login), app.client_id, app.client_secret)
    with pytest.raises(InvalidGrantError, match="revoked"):
        auth.refresh(rt(login), app.client_id, app.client_secret)
    with pytest.raises(RevokedTokenError):
        api.verify(again.access_token)


def test_rfc6749_6_rotation_off_scope_may_narrow_never_widen(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, login: TokenResponse) -> None:
    narrow = auth.refresh(rt(login), app.client_id, app.client_secret, scope="weather:read")
    assert narrow.scope == "weather:read" and rt(narrow) == rt(login)
    # narrowing once does not narrow the family: the original grant is still the bound
    full = auth.refresh(rt(login), app.client_id, app.client_secret)
    assert set(full.scope.split()) == {"weather:read", "weather:write"}
    with pytest.raises(InvalidScopeError):
        auth.refresh(rt(login), app.client_id, app.client_secret, scope="weather:admin")


def test_rfc9449_5_rotation_off_a_public_clients_refresh_token_stays_bound_to_the_key(
        auth: AuthServer, api: ResourceServer, clock: SimClock) -> None:
    auth.register_user("alice", PASSWORD)
    spa = auth.register_client("spa", ["weather:read"], public=True,
                               redirect_uris=["https://app.example/callback"])
    key, thief = make_key(clock), make_key(clock, "thief")
    login = token_request(auth, login_form(), client=spa, proof=key.proof("POST", TOKEN))
    assert login.status == 200, login.json()
    form = refresh_form(login)
    for _ in range(2):
        clock.advance(30)
        for proof in (thief.proof("POST", TOKEN), None):
            r = token_request(auth, form, client=spa, proof=proof)
            assert r.status == 400 and "RFC 9449 §5" in r.json()["error_description"]
        r = token_request(auth, form, client=spa, proof=key.proof("POST", TOKEN))
        assert r.status == 200, r.json()
        assert r.json()["refresh_token"] == form["refresh_token"]
        assert claims_of(r.json()["access_token"])["cnf"] == {"jkt": key.thumbprint}


def test_rotate_refresh_tokens_is_a_flag_shown_in_the_repr(clock: SimClock) -> None:
    assert "rotation off" in repr(AuthServer(issuer=ISSUER, clock=clock,
                                             rotate_refresh_tokens=False))
    with pytest.raises(TypeError, match="rotate_refresh_tokens"):
        AuthServer(issuer=ISSUER, clock=clock, rotate_refresh_tokens="no")  # type: ignore[arg-type]
