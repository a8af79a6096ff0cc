"""The attacker gets only what the wire exposes: every theft is an event on the wire, every use a
request sent as "attacker"; an httpOnly cookie, a token in a header and an https request give
nothing away."""

from __future__ import annotations

import pytest

from tokenlab.api.server import ResourceServer
from tokenlab.authserver.server import AuthServer
from tokenlab.client import ATTACKER, Attacker, Client, Loot
from tokenlab.clock import SimClock

ISSUER = "https://auth.example"


World = tuple[AuthServer, ResourceServer, Client]


def world(*, storage: str = "memory", token_in: str = "header", api_url: str = "https://api.example",
          grant: str = "client_credentials", public: bool = False) -> World:
    auth = AuthServer(issuer=ISSUER, clock=SimClock(), seed=7)
    api = ResourceServer(audience=api_url, auth=auth)
    auth.register_user("alice", "pw-alice-123")
    reg = auth.register_client("app", scopes=("weather:read",), public=public,
                               redirect_uris=["https://app.example/cb"] if public else [])
    app = Client(auth, reg, api, grant=grant, scope="weather:read", storage=storage,
                 token_in=token_in)
    app.login("alice", "pw-alice-123") if grant != "client_credentials" else app.login()
    return auth, api, app


def test_a_token_sent_in_the_url_is_read_from_the_access_log() -> None:
    auth, _api, app = world(token_in="query")
    app.get("/weather")
    call = auth.wire.last
    assert call is not None
    thief = Attacker(auth.wire)
    loot = thief.read_access_log(call)
    assert loot is not None and loot.value == app.access_token and loot.channel == "access log"
    assert auth.wire.last is loot.event
    assert (loot.event.sender, loot.event.receiver) == (ATTACKER, "log viewer")
    assert app.access_token in str(loot.event.response_body)


def test_a_token_sent_in_the_header_is_not_in_the_access_log() -> None:
    auth, _api, app = world()
    app.get("/weather")
    call = auth.wire.last
    assert call is not None
    thief = Attacker(auth.wire)
    assert thief.read_access_log(call) is None
    assert thief.loot == []
    assert auth.wire.last is not None and auth.wire.last.sender == ATTACKER  # the read travelled


@pytest.mark.parametrize(("policy", "leaks"), [
    ("unsafe-url", True), ("no-referrer-when-downgrade", True),
    ("strict-origin-when-cross-origin", False), ("no-referrer", False)])
def test_referer_leaks_a_url_token_to_another_site_only_under_a_lax_policy(
        policy: str, leaks: bool) -> None:
    auth, _api, app = world(token_in="query")
    app.get("/weather")
    page = auth.wire.last
    assert page is not None
    loot = Attacker(auth.wire).receive_referer(page, policy=policy)
    assert (loot is not None) is leaks
    event = auth.wire.last
    assert event is not None and (event.sender, event.receiver) == ("browser", ATTACKER)
    if leaks:
        assert loot is not None and loot.value == app.access_token
        assert event.headers["Referer"] == page.url


def test_xss_reads_both_tokens_from_local_storage() -> None:
    auth, _api, app = world(storage="localStorage", grant="authorization_code", public=True)
    loot = Attacker(auth.wire).inject_script(app.storage)
    assert {item.kind: item.value for item in loot} == {
        "access_token": app.access_token, "refresh_token": app.refresh_token}
    assert all(item.event is auth.wire.last and item.channel == "XSS" for item in loot)


@pytest.mark.parametrize("storage", ["cookie", "memory"])
def test_xss_never_reads_an_httponly_cookie_nor_a_variable(storage: str) -> None:
    auth, _api, app = world(storage=storage, grant="authorization_code", public=True)
    assert app.access_token is not None
    thief = Attacker(auth.wire)
    assert thief.inject_script(app.storage) == []
    assert thief.loot == []
    event = auth.wire.last
    assert event is not None and app.access_token not in str(event.body)


def test_a_plain_http_request_is_captured_an_https_one_is_not() -> None:
    auth, _api, app = world(api_url="http://api.example")
    app.get("/weather")
    plain = auth.wire.last
    assert plain is not None
    thief = Attacker(auth.wire)
    before = len(auth.wire)
    loot = thief.capture(plain)
    assert loot is not None and loot.kind == "request" and loot.value == app.access_token
    assert loot.event is plain and len(auth.wire) == before  # the theft is the event itself
    auth2, _api2, app2 = world()
    app2.get("/weather")
    secure = auth2.wire.last
    assert secure is not None and Attacker(auth2.wire).capture(secure) is None


def test_a_refresh_token_taken_from_a_device_is_an_event_on_the_wire() -> None:
    auth, _api, app = world(grant="authorization_code", public=True)
    loot = Attacker(auth.wire).take_from_device(app.storage)
    assert loot is not None and loot.value == app.refresh_token and loot.kind == "refresh_token"
    assert (loot.event.sender, loot.event.receiver) == ("device", ATTACKER)


def test_the_attacker_uses_a_stolen_token_as_attacker_on_the_wire() -> None:
    auth, api, app = world(storage="localStorage", grant="authorization_code", public=True)
    thief = Attacker(auth.wire)
    stolen = {item.kind: item.value for item in thief.inject_script(app.storage)}
    response = thief.call(api, "https://api.example/weather", stolen["access_token"])
    assert response.status == 200
    assert auth.wire.last is not None and auth.wire.last.sender == ATTACKER
    refreshed = thief.refresh(auth, auth.metadata()["token_endpoint"], stolen["refresh_token"],
                              app.registration.client_id)
    assert refreshed.status == 200 and auth.wire.last.sender == ATTACKER


def test_a_captured_request_is_replayed_byte_for_byte() -> None:
    auth, api, app = world(api_url="http://api.example")
    app.get("/weather")
    captured = auth.wire.last
    assert captured is not None
    thief = Attacker(auth.wire)
    thief.capture(captured)
    assert thief.replay(api, captured).status == 200
    replayed = auth.wire.last
    assert replayed is not None and replayed.sender == ATTACKER
    assert (replayed.method, replayed.url, dict(replayed.headers)) == (
        captured.method, captured.url, dict(captured.headers))


def test_the_attackers_own_key_is_seeded_and_not_the_victims() -> None:
    auth, _api, _app = world()
    one, two = Attacker(auth.wire, seed=3), Attacker(auth.wire, seed=3)
    assert one.own_key().thumbprint == two.own_key().thumbprint
    assert Attacker(auth.wire, seed=4).own_key().thumbprint != one.own_key().thumbprint


def test_loot_is_shown_shortened() -> None:
    auth, _api, app = world(storage="localStorage", grant="authorization_code", public=True)
    (first, *_rest) = Attacker(auth.wire).inject_script(app.storage)
    assert isinstance(first, Loot) and first.value not in repr(first)


def test_the_attacker_needs_the_worlds_wire() -> None:
    with pytest.raises(TypeError, match="Wire"):
        Attacker("wire")  # type: ignore[arg-type]
