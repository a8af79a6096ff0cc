"""Scopes are whole tokens, compared for equality — never substrings, prefixes or patterns.

RFC 6749 §3.3: "The value of the scope parameter is expressed as a list of space-delimited,
case-sensitive strings." RFC 9068 §2.2.3 puts the same list in the ``scope`` claim. So
``weather:readings`` is one scope and ``weather:read`` another: neither grants the other, at the
verifier, at the HTTP layer (RFC 6750 §3.1: 403 ``insufficient_scope``) or at the authorization
server's grant (RFC 6749 §5.2: ``invalid_scope``).

The tokens here are legitimately issued: a client is registered for a look-alike scope and gets a
real token — the scenario is an app with a neighbouring permission, not a forger.
"""

from __future__ import annotations

import pytest

from tokenlab import (
    AuthServer,
    InsufficientScopeError,
    InvalidScopeError,
    Request,
    ResourceServer,
    TokenResponse,
)
from tokenlab.api.http import parse_challenge
from tokenlab.net.messages import basic_authorization

from ..conftest import API, ISSUER, PASSWORD, rt

WANTED = "weather:read"

#: (scopes the token legitimately holds, the scope a request needs): never enough.
LOOK_ALIKES = [
    (["weather:readings"], "weather:read"),  # the needed scope is a prefix of the granted one
    (["weather:read"], "weather:readings"),  # the granted scope is a prefix of the needed one
    (["xweather:read"], "weather:read"),  # the needed scope is a suffix of the granted one
    (["weather:read"], "weather:re"),  # the needed scope is a prefix of the granted one
    (["my-weather:read-only"], "weather:read"),  # inside another token, in the middle
    (["weather:write", "weather:readx", "other"], "weather:read"),  # none of several matches
    (["weather:write", "xweather:read"], "weather:write weather:read"),  # one of two missing
    (["Weather:Read"], "weather:read"),  # case-sensitive (RFC 6749 §3.3)
]
IDS = [f"{'+'.join(granted)}-for-{needed.replace(' ', '+')}" for granted, needed in LOOK_ALIKES]


def issued(auth: AuthServer, scopes: list[str]) -> TokenResponse:
    """A real token for a client registered for exactly ``scopes``."""
    client = auth.register_client("neighbour", scopes)
    token = auth.client_credentials(client.client_id, client.client_secret)
    assert token.scope is not None and token.scope.split() == scopes
    return token


@pytest.mark.parametrize("revocation", ["none", "denylist", "introspect"])
@pytest.mark.parametrize(("granted", "needed"), LOOK_ALIKES, ids=IDS)
def test_rfc6749_3_3_verifier_matches_whole_scope_tokens_not_substrings(
        auth: AuthServer, granted: list[str], needed: str, revocation: str) -> None:
    api = ResourceServer(API, auth, revocation=revocation)
    token = issued(auth, granted).access_token
    assert api.verify(token)["scope"] == " ".join(granted)  # valid, just not for this
    with pytest.raises(InsufficientScopeError) as ei:
        api.verify(token, scope=needed)
    assert ei.value.granted == tuple(granted)
    assert set(needed.split()) - set(granted) <= set(ei.value.required)


def test_rfc6749_3_3_the_exact_scope_among_look_alikes_is_granted(auth: AuthServer) -> None:
    """The control: the same machinery accepts the one exact token, wherever it stands."""
    api = ResourceServer(API, auth)
    token = issued(auth, ["weather:readings", WANTED, "xweather:read"]).access_token
    assert api.verify(token, scope=WANTED)["scope"] == f"weather:readings {WANTED} xweather:read"
    assert api.verify(token, scope=["xweather:read", "weather:readings"])


@pytest.mark.parametrize(("granted", "needed"), LOOK_ALIKES, ids=IDS)
def test_rfc6750_3_1_look_alike_scope_is_403_insufficient_scope_over_http(
        auth: AuthServer, api: ResourceServer, granted: list[str], needed: str) -> None:
    api.route("GET", "/needs", needed, lambda request, claims: {"ok": True})
    token = issued(auth, granted).access_token
    r = api.handle(Request.get(f"{API}/needs", {"Authorization": f"Bearer {token}"}))
    assert r.status == 403
    scheme, params = parse_challenge(r.headers["WWW-Authenticate"])
    assert scheme == "Bearer" and params["error"] == "insufficient_scope"
    assert params["scope"] == needed


def test_rfc6750_3_1_weather_readings_does_not_read_the_weather(
        auth: AuthServer, api: ResourceServer) -> None:
    """The demo route itself: ``GET /weather`` needs ``weather:read``, exactly."""
    headers = {"Authorization": f"Bearer {issued(auth, ['weather:readings']).access_token}"}
    assert api.handle(Request.get(f"{API}/weather", headers)).status == 403
    exact = {"Authorization": f"Bearer {issued(auth, [WANTED]).access_token}"}
    assert api.handle(Request.get(f"{API}/weather", exact)).status == 200  # the control


#: (scopes a client is registered for, what it asks for): never granted.
GRANT_LOOK_ALIKES = [
    (["weather:read"], "weather:re"),
    (["weather:read"], "weather:readx"),
    (["weather:read"], "weather:readings"),
    (["weather:read"], "xweather:read"),
    (["weather:readings"], "weather:read"),
    (["weather:write", "weather:readings"], "weather:read"),
    (["weather:read"], "weather"),
    (["weather:read"], "weather:read weather:re"),
]
GRANT_IDS = [f"{'+'.join(allowed)}-asks-{asked.replace(' ', '+')}"
             for allowed, asked in GRANT_LOOK_ALIKES]


@pytest.mark.parametrize(("allowed", "asked"), GRANT_LOOK_ALIKES, ids=GRANT_IDS)
def test_rfc6749_3_3_grant_refuses_a_scope_the_client_holds_only_as_a_substring(
        auth: AuthServer, api: ResourceServer, allowed: list[str], asked: str) -> None:
    client = auth.register_client("neighbour", allowed)
    with pytest.raises(InvalidScopeError, match="not registered for"):
        auth.client_credentials(client.client_id, client.client_secret, scope=asked)
    with pytest.raises(InvalidScopeError, match="not registered for"):
        auth.client_credentials(client.client_id, client.client_secret, scope=asked.split())
    auth.register_user("alice", PASSWORD)
    with pytest.raises(InvalidScopeError, match="not registered for"):
        auth.password_grant(client.client_id, client.client_secret, "alice", PASSWORD,
                            scope=asked)


@pytest.mark.parametrize(("allowed", "asked"), GRANT_LOOK_ALIKES, ids=GRANT_IDS)
def test_rfc6749_6_refresh_cannot_widen_to_a_look_alike_scope(
        auth: AuthServer, api: ResourceServer, allowed: list[str], asked: str) -> None:
    """RFC 6749 §6: the refreshed scope "MUST NOT include any scope not originally granted"."""
    client = auth.register_client("neighbour", allowed)
    auth.register_user("alice", PASSWORD)
    first = auth.password_grant(client.client_id, client.client_secret, "alice", PASSWORD)
    with pytest.raises(InvalidScopeError, match="not registered for"):
        auth.refresh(rt(first), client.client_id, client.client_secret, scope=asked)


@pytest.mark.parametrize(("allowed", "asked"), GRANT_LOOK_ALIKES, ids=GRANT_IDS)
def test_rfc6749_5_2_token_endpoint_answers_invalid_scope_for_a_look_alike(
        auth: AuthServer, allowed: list[str], asked: str) -> None:
    client = auth.register_client("neighbour", allowed)
    assert client.client_secret is not None
    r = auth.handle(Request.post(
        f"{ISSUER}/token", {"grant_type": "client_credentials", "scope": asked},
        {"Authorization": basic_authorization(client.client_id, client.client_secret)}))
    assert r.status == 400 and r.json()["error"] == "invalid_scope"


def test_rfc6749_3_3_grant_gives_the_exact_scope_it_was_registered_for(
        auth: AuthServer, api: ResourceServer) -> None:
    """The control: asking for exactly a registered scope among look-alikes is granted as asked."""
    client = auth.register_client("neighbour", ["weather:readings", WANTED, "xweather:read"])
    token = auth.client_credentials(client.client_id, client.client_secret, scope=WANTED)
    assert token.scope == WANTED
