"""A stolen access token, used until refused, against four defences on one timeline: the token's
lifetime alone, revocation on detection checked on a denylist, revocation checked by
introspection with a cache (the propagation delay), and a DPoP-bound token (RFC 9449) that is
useless without the victim's key.

The story is the same in all four: Alice logs in to a single-page app that keeps its tokens in
local storage; an injected script posts them to the attacker (XSS, a wire event); the attacker
uses the access token at once, the theft is detected :data:`DETECT_AFTER` seconds later and the
app revokes the token (RFC 7009); the attacker keeps trying every :data:`INTERVAL` seconds until
the API refuses. :func:`compare_stolen_access_token` returns the four :class:`AttackResult` s.
"""

from __future__ import annotations

from ..api.server import ResourceServer
from ..authserver.server import AuthServer
from ..client.app import Client
from ..clock import SimClock, format_duration
from ..net.messages import Request
from .attack import AttackResult, AttackScenario, attacker_of, claims_of, use_step
from .evidence import token_outcome
from .steps import Check, Step
from .world import API, CALLBACK, ISSUER, PASSWORD, USERNAME, World

__all__ = [
    "ACCESS_DEFENCES",
    "DETECT_AFTER",
    "INTERVAL",
    "REFRESH_CASES",
    "STOLEN_ACCESS_TOKEN",
    "STOLEN_ACCESS_TOKEN_DENYLIST",
    "STOLEN_ACCESS_TOKEN_DPOP",
    "STOLEN_ACCESS_TOKEN_INTROSPECTION",
    "STOLEN_ACCESS_TOKEN_TTL",
    "STOLEN_REFRESH_ATTACKER_FIRST",
    "STOLEN_REFRESH_DPOP",
    "STOLEN_REFRESH_ROTATION_OFF",
    "STOLEN_REFRESH_TOKEN",
    "STOLEN_REFRESH_VICTIM_FIRST",
    "attack_world",
    "compare_stolen_access_token",
    "stolen_access_token",
    "stolen_refresh_token",
]

#: The defences of the stolen-access-token story, by name.
ACCESS_DEFENCES = ("TTL alone", "denylist", "introspection", "DPoP")
#: Seconds between Alice's call and the theft.
THEFT_AFTER = 30
#: Seconds from the theft to its detection (and the revocation).
DETECT_AFTER = 60
#: Seconds between the attacker's tries.
INTERVAL = 30
#: The introspection answer's cache lifetime at the API in the introspection story.
CACHE_TTL = 120


def attack_world(seed: int, *, revocation: str = "denylist", cache_ttl: float = 0,
                 dpop: bool = False, app: str = "weather-spa",
                 rotate_refresh_tokens: bool = True) -> World:
    """The world of the attack stories: a public single-page app (authorization code + PKCE)
    that keeps its tokens in local storage, the weather API with ``revocation`` (``"none"``,
    ``"denylist"`` or ``"introspect"`` with ``cache_ttl``), and with ``dpop`` an app that binds
    its tokens to a key and an API that requires DPoP; ``rotate_refresh_tokens=False``: an
    authorization server that hands back the same refresh token on every refresh."""
    clock = SimClock()
    auth = AuthServer(issuer=ISSUER, clock=clock, seed=seed,
                      rotate_refresh_tokens=rotate_refresh_tokens)
    api = ResourceServer(audience=API, auth=auth, revocation=revocation,
                         introspection_cache_ttl=cache_ttl, dpop="required" if dpop else "off")
    auth.register_user(USERNAME, PASSWORD)
    registration = auth.register_client(app, scopes=("weather:read",), public=True,
                                        redirect_uris=[CALLBACK])
    client = Client(auth, registration, api, grant="authorization_code", scope="weather:read",
                    storage="localStorage", dpop=dpop)
    world = World(seed, clock, auth, api, client)
    attacker_of(world)
    return world


# -- steps -----------------------------------------------------------------------------------------


def alice_logs_in(world: World) -> Step:
    world.app.login(world.username, world.password)
    event = world.wire.last
    assert event is not None
    bound = "cnf" in claims_of(world.app.access_token or "")
    local = world.app.storage.kind == "localStorage"
    return Step(
        actor="Alice",
        title=("Alice logs in; the app keeps the tokens in local storage" if local else
               "Alice logs in; the app keeps the tokens in memory"),
        explanation=(
            "Authorization code + PKCE, as in notebook 04. The single-page app keeps the access "
            "and refresh tokens "
            + ("in window.localStorage, where any script on the page can read them." if local
               else "in a JavaScript variable: no storage API exposes them.")
            + (" Its tokens are bound to the app's DPoP key (cnf.jkt, RFC 9449 §6): the "
               "private key never leaves the app." if bound else "")),
        checks=(Check("the app holds the tokens", world.app.access_token is not None,
                      world.app.storage.explain()),),
        outcome=token_outcome(event))


def _victim_call(world: World) -> Step:
    world.app.get("/weather")
    event = world.wire.last
    assert event is not None
    return Step(actor=world.app.name, title="The app calls the API",
                explanation="All is well: the API accepts Alice's token.",
                checks=(Check("the API accepted the app's token", event.status == 200,
                              event.outcome),))


def _steal(world: World) -> Step:
    world.clock.advance(THEFT_AFTER)
    loot = attacker_of(world).inject_script(world.app.storage)
    stolen = ", ".join(item.kind for item in loot) or "nothing"
    return Step(
        actor="attacker", title="An injected script posts the tokens to the attacker (XSS)",
        explanation=(
            "A script the attacker smuggled into the page (a comment, a compromised library) "
            "reads localStorage and posts what it finds to attacker.example. It runs in Alice's "
            "browser, so the request comes from the browser. An httpOnly cookie would have given "
            "it nothing."),
        checks=(Check("the script found tokens", bool(loot), f"stolen: {stolen}"),))


def _use_once(world: World) -> None:
    attacker = attacker_of(world)
    token = next(item.value for item in attacker.loot if item.kind == "access_token")
    url = world.api.audience.rstrip("/") + "/weather"
    if "cnf" in claims_of(token):  # bound to a key: try a proof by the attacker's own key
        key = attacker.own_key()
        proof = key.proof("GET", url, now=world.clock.time(), access_token=token)
        attacker.call(world.api, url, token, scheme="DPoP", proof=proof)
    else:
        attacker.call(world.api, url, token)


def _detect(world: World) -> Step:
    world.clock.advance(DETECT_AFTER)
    token = world.app.access_token
    assert token is not None
    form = {"token": token, "token_type_hint": "access_token",
            "client_id": world.app.registration.client_id}
    world.auth.handle(Request.post(world.auth.metadata()["revocation_endpoint"], form),
                      sender=world.app.name)
    mode = world.api.revocation
    how = {"none": "This API checks no revocations: it will not hear of it.",
           "denylist": "The API looks each token's jti up on the denylist: the next request "
                       "is refused.",
           "introspect": f"The API asks the authorization server (RFC 7662) — but keeps each "
                         f"answer {format_duration(world.api.introspection_cache_ttl)}: until "
                         "its cached 'active' runs out, it does not ask again."}[mode]
    return Step(
        actor=world.app.name,
        title=f"{format_duration(DETECT_AFTER)} later the theft is detected; the app revokes the token",
        explanation=("The security team sees the token used from an unknown address; the app "
                     "revokes the access token (RFC 7009). " + how))


def _until_refused(world: World) -> None:
    attacker = attacker_of(world)
    token = next(item.value for item in attacker.loot if item.kind == "access_token")
    exp = float(claims_of(token).get("exp", world.clock.time()))
    last = world.wire.events
    refused = any(e.sender == attacker.name and e.status >= 400 for e in last)
    while not refused and world.clock.time() <= exp + INTERVAL:
        _use_once(world)
        event = world.wire.last
        assert event is not None
        refused = event.status >= 400
        if not refused:
            world.clock.advance(INTERVAL)


def _api_label(world: World) -> str:
    return world.api.revocation


_FIRST = use_step(
    "The attacker uses the token at once, from elsewhere",
    "A bearer token works for whoever holds it (RFC 6750 §1.2). A DPoP-bound one needs a proof "
    "signed by the key it is bound to; the attacker holds only their own key, so the proof's key "
    "does not match the token's cnf.jkt (RFC 9449 §7.1).", _use_once)

_AGAIN = use_step(
    f"From the revocation on, the attacker tries every {INTERVAL} s until refused",
    "The same token, sent again and again from the moment the app revoked it. What ends it — the "
    "token's exp, the denylist, the end of the introspection cache, or nothing at all?",
    _until_refused)


def stolen_access_token(defence: str, *, seed: int = 1) -> AttackScenario:
    """The stolen-access-token story against ``defence`` (one of :data:`ACCESS_DEFENCES`)."""
    worlds = {
        "TTL alone": lambda s: attack_world(s, revocation="none"),
        "denylist": lambda s: attack_world(s, revocation="denylist"),
        "introspection": lambda s: attack_world(s, revocation="introspect", cache_ttl=CACHE_TTL),
        "DPoP": lambda s: attack_world(s, revocation="denylist", dpop=True),
    }
    if defence not in worlds:
        raise ValueError(f"defence must be one of {', '.join(ACCESS_DEFENCES)}, not {defence!r}")
    intro = {
        "TTL alone": "The API checks signature and expiry only: nothing but exp ends a theft.",
        "denylist": "The API checks the authorization server's denylist on every request.",
        "introspection": (f"The API asks the authorization server about each token and caches "
                          f"the answer for {format_duration(CACHE_TTL)}."),
        "DPoP": "The app's tokens are bound to its DPoP key, and the API requires a proof.",
    }[defence]
    return AttackScenario(
        name=f"stolen access token ({defence})",
        title=f"A stolen access token, used until refused — {defence}",
        intro=("An injected script steals Alice's tokens from local storage; the attacker uses "
               "the access token until the API refuses it. " + intro),
        builder=worlds[defence],
        steps=(alice_logs_in, _victim_call, _steal, _FIRST, _detect, _AGAIN),
        seed=seed, defence=defence)


STOLEN_ACCESS_TOKEN_TTL = stolen_access_token("TTL alone")
STOLEN_ACCESS_TOKEN_DENYLIST = stolen_access_token("denylist")
STOLEN_ACCESS_TOKEN_INTROSPECTION = stolen_access_token("introspection")
STOLEN_ACCESS_TOKEN_DPOP = stolen_access_token("DPoP")
#: The four stories, in the order of :data:`ACCESS_DEFENCES`.
STOLEN_ACCESS_TOKEN = (STOLEN_ACCESS_TOKEN_TTL, STOLEN_ACCESS_TOKEN_DENYLIST,
                       STOLEN_ACCESS_TOKEN_INTROSPECTION, STOLEN_ACCESS_TOKEN_DPOP)


def compare_stolen_access_token(seed: int = 1) -> tuple[AttackResult, ...]:
    """The four defences' results, for one timeline."""
    return tuple(stolen_access_token(d, seed=seed).result() for d in ACCESS_DEFENCES)


# -- a stolen refresh token ------------------------------------------------------------------------

#: The orders and bindings of the stolen-refresh-token story, by name.
REFRESH_CASES = ("attacker first", "victim first", "DPoP-bound", "rotation off")
#: Seconds from the theft to the first refresh (by the attacker or the app).
REFRESH_AFTER = 10
#: Seconds between the attacker's refreshes with an unrotated refresh token.
REFRESH_EVERY = 3600


def _steal_from_device(world: World) -> Step:
    world.clock.advance(THEFT_AFTER)
    loot = attacker_of(world).take_from_device(world.app.storage)
    return Step(
        actor="attacker", title="The refresh token is copied from Alice's device",
        explanation=(
            "A backup synced to the wrong place, a phone left unlocked: the app's storage "
            "reaches the attacker, refresh token included. This public app has no secret, so the "
            "refresh token and the app's public client_id are all a refresh needs."),
        checks=(Check("the attacker holds the refresh token", loot is not None,
                      "taken from the device's storage"),))


def _attacker_refresh(world: World) -> None:
    attacker = attacker_of(world)
    stolen = next(item.value for item in reversed(attacker.loot) if item.kind == "refresh_token")
    url = world.auth.metadata()["token_endpoint"]
    client_id = world.app.registration.client_id
    response = attacker.refresh(world.auth, url, stolen, client_id)
    if response.status >= 400 and world.app.dpop_key is not None:
        # a DPoP-bound refresh token: try again with a proof by the attacker's own key
        proof = attacker.own_key().proof("POST", url, now=world.clock.time())
        response = attacker.refresh(world.auth, url, stolen, client_id, proof=proof)
    if response.status == 200:
        body = response.json()
        world.memo["attacker_access"] = body["access_token"]
        world.memo["attacker_refresh"] = body.get("refresh_token")


def _attacker_call(world: World) -> None:
    token = world.memo.get("attacker_access")
    if token is None:
        return
    url = world.api.audience.rstrip("/") + "/weather"
    attacker_of(world).call(world.api, url, token)


def _attacker_call_and_refresh(world: World) -> None:
    _attacker_call(world)
    again = world.memo.get("attacker_refresh")
    if again is not None:
        attacker = attacker_of(world)
        attacker.refresh(world.auth, world.auth.metadata()["token_endpoint"], again,
                         world.app.registration.client_id)


def _victim_refresh(world: World) -> Step:
    world.clock.advance(REFRESH_AFTER)
    ok = world.app.refresh()
    return Step(
        actor=world.app.name, title="The app refreshes its tokens",
        explanation=(
            "The app presents the refresh token it holds (RFC 6749 §6). With rotation each "
            "refresh token works once (RFC 9700 §4.14.2): if someone else already spent it, the "
            "server sees a copy and revokes the whole family."),
        checks=(Check("the server gave the app a new pair", ok,
                      world.app.last_error or "a new access token and refresh token"),))


def _refresh_until_refused(world: World) -> None:
    attacker = attacker_of(world)
    stolen = next(item.value for item in reversed(attacker.loot) if item.kind == "refresh_token")
    url = world.auth.metadata()["token_endpoint"]
    client_id = world.app.registration.client_id
    # bounded: the family's absolute expiry is refresh_ttl from the login, and the login came
    # before the theft; one more try past it, then the loop ends whatever the server says
    for _ in range(world.auth.refresh_ttl // REFRESH_EVERY + 2):
        world.clock.advance(REFRESH_EVERY)
        if attacker.refresh(world.auth, url, stolen, client_id).status >= 400:
            return


def _victim_call_again(world: World) -> Step:
    world.app.get("/weather")
    locked = not world.app.logged_in
    return Step(
        actor=world.app.name, title="The app calls the API again",
        explanation=("Locked out means: the access token is refused and the refresh token too; "
                     "Alice has to log in again."),
        checks=(Check("the app still holds tokens that work", not locked,
                      world.app.last_error or "the API accepted the app's token"),))


_ATTACKER_REFRESH = use_step(
    "The attacker redeems the stolen refresh token",
    "POST /token with grant_type=refresh_token and the app's client_id. If the token is unspent "
    "the attacker gets a fresh pair; if it was spent, this is reuse and the family is revoked; "
    "if it is bound to the app's DPoP key, no proof by the attacker's key unlocks it "
    "(RFC 9449 §5): refused without a proof, the attacker tries once more with a proof signed "
    "by their own key.", _attacker_refresh)

_ATTACKER_CALL = use_step(
    "The attacker calls the API with the access token they got",
    "Their own fresh access token, from the refresh.", _attacker_call)

_ATTACKER_UNTIL_REFUSED = use_step(
    f"The attacker refreshes with the same stolen token every {format_duration(REFRESH_EVERY)} "
    "until refused",
    "Without rotation the refresh token is never spent: the server hands the same one back on "
    "every refresh, to the app and to the attacker alike, and has no copy to notice (RFC 9700 "
    "§4.14.2 needs a spent token presented again). Only the login's absolute expiry "
    "(refresh_ttl) or a revocation ends it.", _refresh_until_refused)

_ATTACKER_AFTER = use_step(
    "The attacker tries their access token and refresh token again",
    "After reuse detection the whole family is revoked: its refresh tokens and, by tokenlab's "
    "policy, its access tokens not expired yet — the attacker's included.",
    _attacker_call_and_refresh)


def stolen_refresh_token(case: str, *, seed: int = 1) -> AttackScenario:
    """The stolen-refresh-token story: ``"attacker first"`` or ``"victim first"`` (rotation with
    reuse detection), ``"DPoP-bound"`` (a public client's refresh token bound to its key), or
    ``"rotation off"`` (the same refresh token on every refresh: both copies work until
    ``refresh_ttl``)."""
    if case not in REFRESH_CASES:
        raise ValueError(f"case must be one of {', '.join(REFRESH_CASES)}, not {case!r}")
    steps = {
        "attacker first": (alice_logs_in, _victim_call, _steal_from_device, _ATTACKER_REFRESH,
                           _ATTACKER_CALL, _victim_refresh, _ATTACKER_AFTER),
        "victim first": (alice_logs_in, _victim_call, _steal_from_device, _victim_refresh,
                         _ATTACKER_REFRESH, _victim_call_again),
        "DPoP-bound": (alice_logs_in, _victim_call, _steal_from_device, _ATTACKER_REFRESH,
                       _victim_refresh, _victim_call_again),
        "rotation off": (alice_logs_in, _victim_call, _steal_from_device, _ATTACKER_REFRESH,
                         _ATTACKER_CALL, _victim_refresh, _victim_call_again,
                         _ATTACKER_UNTIL_REFUSED),
    }[case]
    intro = {
        "attacker first": ("The attacker refreshes before the app does: they get a fresh pair, "
                           "until the app's refresh reveals the copy."),
        "victim first": ("The app refreshes before the attacker: the stolen refresh token is "
                         "already spent when the attacker presents it."),
        "DPoP-bound": ("The public app's refresh token is bound to its DPoP key (RFC 9449 §5): "
                       "without the key it is worth nothing."),
        "rotation off": ("This server does not rotate refresh tokens: every refresh hands back "
                         "the same one, so the attacker's copy and the app's work side by side."),
    }[case]
    return AttackScenario(
        name=f"stolen refresh token ({case})",
        title=f"A stolen refresh token — {case}",
        intro="A refresh token is copied from Alice's device. " + intro,
        builder=lambda s: attack_world(s, dpop=case == "DPoP-bound",
                                       rotate_refresh_tokens=case != "rotation off"),
        steps=steps, seed=seed, defence={
            "DPoP-bound": "DPoP-bound refresh token",
            "rotation off": "no rotation: the family's absolute expiry only",
        }.get(case, "rotation with reuse detection"))


STOLEN_REFRESH_ATTACKER_FIRST = stolen_refresh_token("attacker first")
STOLEN_REFRESH_VICTIM_FIRST = stolen_refresh_token("victim first")
STOLEN_REFRESH_DPOP = stolen_refresh_token("DPoP-bound")
STOLEN_REFRESH_ROTATION_OFF = stolen_refresh_token("rotation off")
#: The four stories, in the order of :data:`REFRESH_CASES`.
STOLEN_REFRESH_TOKEN = (STOLEN_REFRESH_ATTACKER_FIRST, STOLEN_REFRESH_VICTIM_FIRST,
                        STOLEN_REFRESH_DPOP, STOLEN_REFRESH_ROTATION_OFF)
