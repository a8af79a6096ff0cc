"""After the login: a token expires and is refreshed, a spent refresh token comes back and the
whole family is revoked; a user logs out and a leaked copy of her token stops working."""

from __future__ import annotations

from ..client.app import Client
from ..clock import format_duration
from ..net.messages import Request
from .evidence import body_of, token_outcome, verification
from .steps import Check, Scenario, Step, StepFn
from .world import World, build_world

__all__ = ["LOGOUT", "REFRESH"]

ATTACKER = "attacker"
#: How far past the access token's expiry the clock is moved.
PAST_EXP = 10


def _login(world: World) -> Step:
    world.app.login(world.username, world.password)
    event = world.wire.last
    assert event is not None
    world.memo["first_access"] = world.app.access_token
    world.memo["first_refresh"] = world.app.refresh_token
    return Step(
        actor="Alice", title="Alice logs in (authorization code + PKCE)",
        explanation=(
            "The whole login of the authorization-code flow in one step: login page, password at "
            "the authorization server, redirect with code and state, code exchange. The app ends "
            "up with a short-lived access token and a refresh token — the first of a family."),
        checks=(Check("the app holds an access token and a refresh token",
                      world.app.access_token is not None and world.app.refresh_token is not None,
                      f"kept in {world.app.storage.kind}"),),
        outcome=token_outcome(event))


def _call(title: str, explanation: str) -> StepFn:
    """A step in which the app calls ``GET /weather``, with what the API found."""

    def step(world: World) -> Step:
        world.app.get("/weather")
        event = world.wire.last
        assert event is not None
        return Step(actor=world.app.name, title=title, explanation=explanation,
                    report=verification(world, event))
    return step


def _bearer(world: World, token: str | None, sender: str) -> None:
    """``GET /weather`` with ``token`` in the header, sent by ``sender`` — not through the app."""
    url = world.api.audience.rstrip("/") + "/weather"
    world.api.handle(Request.get(url, {"Authorization": f"Bearer {token}"}), sender=sender)


# -- (d) expiry and refresh with rotation ------------------------------------------------------------


def _expire(world: World) -> Step:
    ttl = world.auth.access_ttl
    world.clock.advance(ttl + PAST_EXP)
    token = world.app.access_token
    assert token is not None
    return Step(
        actor="clock", title=f"{format_duration(ttl + PAST_EXP)} pass: the access token expires",
        explanation=(
            f"The access token lived {format_duration(ttl)}. Nothing travels — a JWT carries its "
            "own expiry (exp), and any API can see it has passed. A token is dead on or after exp "
            "(RFC 7519 §4.1.4)."),
        report=world.api.check(token), outcome=f"the token expired {PAST_EXP} s ago")


def _refused(world: World) -> Step:
    _bearer(world, world.app.access_token, world.app.name)
    event = world.wire.last
    assert event is not None
    return Step(
        actor=world.app.name, title="The API refuses the expired token: 401",
        explanation=(
            "Sent anyway — our app tracks expires_in and would refresh first, but many apps learn "
            "it from the API. The answer is 401 with a Bearer challenge saying why, error "
            "invalid_token (RFC 6750 §3.1): the signal to refresh."),
        report=verification(world, event))


def _refresh(world: World) -> Step:
    old = world.app.refresh_token
    assert old is not None
    world.app.refresh()
    event = world.wire.last
    assert event is not None
    new = world.app.refresh_token
    record = world.auth.families.find_refresh_token(old)
    return Step(
        actor=world.app.name, title="The app refreshes: a new pair, and the old refresh token is spent",
        explanation=(
            "POST /token with grant_type=refresh_token: no password, no login page. The server "
            "rotates: a new access token and a new refresh token, and the one just used is spent "
            "— it works once (RFC 9700 §4.14.2). The family keeps its absolute expiry."),
        checks=(Check("a new refresh token replaces the old one", new is not None and new != old),
                Check("the old refresh token is spent", record is not None and record.spent,
                      "the server marked it used; it must never come back")),
        outcome=token_outcome(event))


def _reuse(world: World) -> Step:
    spent = world.memo["first_refresh"]
    reg = world.app.registration
    form = {"grant_type": "refresh_token", "refresh_token": spent, "client_id": reg.client_id}
    world.auth.handle(Request.post(world.auth.metadata()["token_endpoint"], form),
                      sender=ATTACKER)
    event = world.wire.last
    assert event is not None
    refused = body_of(event).get("error") == "invalid_grant"
    return Step(
        actor=ATTACKER, title="Someone replays the spent refresh token: the family is revoked",
        explanation=(
            "A copy of the first refresh token — from a log, a backup, an XSS — is presented "
            "again. This public app has no secret, so the refresh token alone would do. The "
            "server cannot tell thief from app, so it revokes the whole family: every refresh "
            "token of this login (RFC 9700 §4.14.2) and, by tokenlab's policy, its access "
            "tokens that have not expired yet."),
        checks=(Check("the refresh token has not been used before", not refused,
                      str(body_of(event).get("error_description", event.outcome))),))


def _locked_out(world: World) -> Step:
    token = world.app.access_token
    assert token is not None
    before = len(world.wire)
    world.app.get("/weather")
    return Step(
        actor=world.app.name, title="The app is locked out: Alice must log in again",
        explanation=(
            "The app's current access token is on the denylist, so the API answers 401; its "
            "refresh token belongs to the revoked family, so refreshing fails too. The app forgets "
            "its tokens. Painful for Alice — but whatever a thief copied from this login is worth "
            "nothing now."),
        report=world.api.check(token), message=world.wire.events[before],
        outcome=f"the app gives up: {world.app.last_error}")


REFRESH = Scenario(
    name="expiry and refresh",
    title="A token expires; refresh with rotation, and reuse detection",
    intro=("Access tokens are short-lived on purpose. Watch one expire, the app refresh it "
           "without bothering Alice, and what happens when a spent refresh token comes back."),
    builder=lambda seed: build_world(seed, app="weather-spa", grant="authorization_code",
                                     public=True),
    steps=(_login,
           _call("The app calls the API", "The fresh access token passes all three steps."),
           _expire, _refused, _refresh,
           _call("The app calls again with the new token", (
               "The new access token has its own jti and a new exp; the API accepts it.")),
           _reuse, _locked_out),
)


# -- (e) logout with revocation ----------------------------------------------------------------------


def _leak(world: World) -> Step:
    step = _call("The app calls the API", (
        "All is well. Suppose a copy of this request ends up in a log file: whoever reads "
        "the log holds a token that is valid for five more minutes."))(world)
    world.memo["leaked"] = world.app.access_token
    return step


def _logout(world: World) -> Step:
    app: Client = world.app
    refresh = app.refresh_token
    before = len(world.wire)
    app.logout()
    revokes = [e for e in world.wire.events[before:] if e.path == "/revoke"]
    family = None
    if refresh is not None and (record := world.auth.families.find_refresh_token(refresh)):
        family = world.auth.families.get(record.family_id)
    return Step(
        actor=app.name, title="Alice logs out: the app revokes its tokens",
        explanation=(
            "Logging out is more than forgetting: the app asks the authorization server to revoke "
            "the refresh token (ending its family) and the access token (RFC 7009). The server "
            "puts the access token's jti on a denylist until its exp."),
        checks=(Check("the server accepted both revocations",
                      len(revokes) == 2 and all(e.status == 200 for e in revokes)),
                Check("the refresh token's family is revoked", family is not None and family.revoked),
                Check("the app forgot its tokens", not app.logged_in)),
        outcome="200 OK twice: both tokens revoked")


def _replay(world: World) -> Step:
    leaked = world.memo["leaked"]
    _bearer(world, leaked, ATTACKER)
    event = world.wire.last
    assert event is not None
    return Step(
        actor=ATTACKER, title="The leaked copy of the access token is refused",
        explanation=(
            "The copy from the log is still well signed and not yet expired — but the API asks "
            "the authorization server's denylist, finds its jti, and refuses it. An API that "
            "checks only signature and exp (revocation='none') would still accept it until "
            "exp."),
        report=verification(world, event))


LOGOUT = Scenario(
    name="logout and revocation",
    title="Logout revokes the tokens",
    intro=("Alice logs in, uses the app, logs out. Does a copy of her token that leaked stop "
           "working? Only if logout revokes it, and the API checks revocations (RFC 7009)."),
    builder=lambda seed: build_world(seed, app="weather-web", grant="authorization_code"),
    steps=(_login, _leak, _logout, _replay),
)
