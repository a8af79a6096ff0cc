"""A captured request, replayed: what stops it, and what does not.

Alice's app calls the API over plain HTTP, so an attacker on the network path reads the request
off the wire (:meth:`~tokenlab.client.attacker.Attacker.capture`) and sends it again. Against:

- ``"nothing"`` — a bearer token works for whoever sends it (RFC 6750 §1.2): 200;
- ``"jti check"`` — the API looks the token's ``jti`` up (the article's suggestion). It does not
  stop the replay: the ``jti`` names the token, not the request, and the app itself sends the
  same ``jti`` with every call — refusing a repeated ``jti`` would refuse Alice;
- ``"DPoP"`` — each request carries a proof with its own ``jti``; the API keeps a replay cache
  (RFC 9449 §11.1), so the proof works once;
- ``"DPoP + nonce"`` — the API also requires its own nonces (§8, §9): the same replay is refused,
  and proofs made in advance would be too;
- ``"htm binding"`` / ``"htu binding"`` — the captured proof sent with another method or to
  another URL: refused by ``htm`` / ``htu`` (§4.3 items 8, 9) before the replay cache is asked.

:func:`dpop_workbench` breaks each check of RFC 9449 §4.3, one at a time, on a request to the API
and returns, per check, the error and the wire event.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ed25519

from ..api.http import parse_challenge
from ..api.server import ResourceServer
from ..authserver.server import AuthServer
from ..client.app import Client
from ..clock import SimClock
from ..errors import InvalidDPoPProofError, TokenError, UseDPoPNonceError
from ..jose.dpop import DPoPKey, access_token_hash
from ..jose.dpop_verify import CHECKS
from ..net.messages import Request, Response
from ..net.wire import Event
from ..randomness import RandomSource
from .attack import AttackScenario, attacker_of, use_step
from .steps import Check, Step
from .theft import alice_logs_in
from .world import CALLBACK, ISSUER, PASSWORD, USERNAME, World

__all__ = ["PLAIN_API", "REPLAY", "REPLAY_DEFENCES", "REPLAY_WAYS", "WorkbenchRow",
           "dpop_workbench", "refused_by", "replay_captured", "replay_lab", "replay_world",
           "send_replay"]

#: The API of the replay stories: reached over plain HTTP, so the path can read it.
PLAIN_API = "http://api.example"
#: The defences of the replay story, by name.
REPLAY_DEFENCES = ("nothing", "jti check", "DPoP", "DPoP + nonce", "htm binding", "htu binding")


def _proof_key(seed: int) -> tuple[ed25519.Ed25519PrivateKey, DPoPKey]:
    """The app's Ed25519 proof key, derived from ``seed`` (demo-only), with the private key kept
    so the workbench can sign proofs by hand; EdDSA signatures are deterministic."""
    random = RandomSource(f"{seed!r}\x00replay app dpop")
    private = ed25519.Ed25519PrivateKey.from_private_bytes(random.bytes("proof key", 32))
    return private, DPoPKey(private, random=random, demo=True)


def replay_world(seed: int, *, revocation: str = "denylist", dpop: bool = False,
                 nonce: bool = False) -> World:
    """A public app (authorization code + PKCE) calling the weather API over plain HTTP; with
    ``dpop`` the app proves possession of an Ed25519 key and the API requires DPoP (with
    ``nonce``, its own nonces too)."""
    clock = SimClock()
    auth = AuthServer(issuer=ISSUER, clock=clock, seed=seed)
    api = ResourceServer(audience=PLAIN_API, auth=auth, revocation=revocation,
                         dpop="required" if dpop else "off", require_dpop_nonce=nonce)
    auth.register_user(USERNAME, PASSWORD)
    registration = auth.register_client("weather-spa", scopes=("weather:read",), public=True,
                                        redirect_uris=[CALLBACK])
    key: bool | DPoPKey = False
    private: ed25519.Ed25519PrivateKey | None = None
    if dpop:  # the private key is kept for the workbench, which signs proofs by hand
        private, key = _proof_key(seed)
    client = Client(auth, registration, api, grant="authorization_code", scope="weather:read",
                    dpop=key)
    world = World(seed, clock, auth, api, client)
    world.memo["proof_private_key"] = private
    attacker_of(world)
    return world


# -- the replay story ------------------------------------------------------------------------------


def _victim_call(world: World) -> Step:
    world.app.get("/weather")
    event = world.wire.last
    assert event is not None
    dpop = "DPoP" in event.headers
    return Step(
        actor=world.app.name, title="The app calls the API over plain HTTP",
        explanation=(
            "http://, not https://: every byte of the request crosses the network in the clear. "
            + ("It carries the token and a DPoP proof made for this one request: method, URL, "
               "time, a fresh jti and the token's hash (ath)." if dpop else
               "It carries the bearer token in the Authorization header.")),
        checks=(Check("the API accepted the app's request", event.status == 200,
                      event.outcome),))


def _capture(world: World) -> Step:
    calls = [e for e in world.wire.events if e.sender == world.app.name and e.path == "/weather"
             and e.status == 200]
    loot = attacker_of(world).capture(calls[-1])
    return Step(
        actor="attacker", title="The attacker reads the request off the network path",
        explanation=("Plain HTTP hides nothing: the attacker copies the whole request — headers "
                     "and all. Nothing new travels: the theft is the request itself."),
        checks=(Check("the attacker holds a copy of the request", loot is not None,
                      "captured from plain HTTP"),),
        message=calls[-1])


def _captured(world: World) -> Event:
    return next(item.event for item in attacker_of(world).loot if item.kind == "request")


def _replay(world: World) -> None:
    attacker_of(world).replay(world.api, _captured(world))


def _replay_elsewhere(method: str, path: str) -> Callable[[World], None]:
    def send(world: World) -> None:
        captured = _captured(world)
        url = world.api.audience.rstrip("/") + path
        headers = {k: v for k, v in captured.headers.items() if k.lower() != "content-type"}
        request = (Request.get(url, headers) if method == "GET"
                   else Request.post(url, {"city": "Paris", "sky": "hail"}, headers))
        world.api.handle(request, sender=attacker_of(world).name)
    return send


def _app_again(world: World) -> Step:
    world.app.get("/weather")
    event = world.wire.last
    assert event is not None
    return Step(
        actor=world.app.name, title="The app calls again: the same token, the same jti",
        explanation=(
            "Why a jti check on the access token cannot stop a replay: the jti names the token, "
            "and the app sends the same token — the same jti — with every request until it "
            "expires. A rule 'each jti once' would refuse Alice's second call; a denylist of "
            "revoked jtis knows nothing of this theft. Only a per-request proof (DPoP's jti, in "
            "a proof signed by the app's key) tells one request from another."),
        checks=(Check("the API accepted the same jti again", event.status == 200,
                      event.outcome),))


_REPLAY = use_step(
    "The attacker sends the captured request again",
    "Byte for byte: the same Authorization header and, if there is one, the same DPoP proof.",
    _replay)


def replay_captured(defence: str, *, seed: int = 1) -> AttackScenario:
    """The replay story against ``defence`` (one of :data:`REPLAY_DEFENCES`)."""
    if defence not in REPLAY_DEFENCES:
        raise ValueError(f"defence must be one of {', '.join(REPLAY_DEFENCES)}, not {defence!r}")
    dpop = defence not in ("nothing", "jti check")
    nonce = defence == "DPoP + nonce"
    revocation = "none" if defence == "nothing" else "denylist"
    last: tuple[Callable[[World], Step], ...]
    if defence == "htm binding":
        last = (use_step("The attacker reuses the captured proof for POST /weather",
                         "A proof is made for one method (htm, RFC 9449 §4.3 item 8).",
                         _replay_elsewhere("POST", "/weather")),)
    elif defence == "htu binding":
        last = (use_step("The attacker reuses the captured proof for GET /me",
                         "A proof is made for one URL (htu, RFC 9449 §4.3 item 9).",
                         _replay_elsewhere("GET", "/me")),)
    elif defence == "jti check":
        last = (_REPLAY, _app_again)
    else:
        last = (_REPLAY,)
    return AttackScenario(
        name=f"replay ({defence})",
        title=f"A captured request, replayed — against {defence}",
        intro=("Alice's app calls the API over plain HTTP; an attacker on the path copies the "
               "request and sends it again."),
        builder=lambda s: replay_world(s, revocation=revocation, dpop=dpop, nonce=nonce),
        steps=(alice_logs_in, _victim_call, _capture, *last), seed=seed, defence=defence)


#: The six replay stories, in the order of :data:`REPLAY_DEFENCES`.
REPLAY = tuple(replay_captured(d) for d in REPLAY_DEFENCES)


# -- the DPoP workbench ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkbenchRow:
    """One check of RFC 9449 §4.3 broken by itself: the ``check`` that refused it (as the
    API's error names it), the ``error`` code and ``description`` of the 401, and the
    ``event`` on the wire."""

    broken: str
    error: str
    description: str
    event: Event

    @property
    def status(self) -> int:
        return self.event.status


def _sign(header: dict[str, Any], claims: dict[str, Any], key: Any) -> str:
    return jwt.encode(claims, key, algorithm=str(header.get("alg", "EdDSA")),
                      headers={k: v for k, v in header.items() if k != "alg"})


def dpop_workbench(seed: int = 1) -> tuple[WorkbenchRow, ...]:
    """Break each check of :data:`~tokenlab.jose.dpop_verify.CHECKS` alone on ``GET /weather``
    with the app's DPoP-bound token, against an API that requires DPoP and its nonces; returns a
    row per check, in order, plus a first row ``"nothing"`` for the valid proof (200)."""
    world = replay_world(seed, dpop=True, nonce=True)
    world.app.login(world.username, world.password)
    world.app.get("/weather")  # learns the API's nonce
    private: ed25519.Ed25519PrivateKey = world.memo["proof_private_key"]
    assert world.app.dpop_key is not None
    jwk = world.app.dpop_key.public_jwk
    other = ed25519.Ed25519PrivateKey.from_private_bytes(
        RandomSource(f"{seed!r}\x00workbench other").bytes("other key", 32))
    other_jwk = DPoPKey(other).public_jwk
    token = world.app.access_token
    assert token is not None
    url = world.api.audience.rstrip("/") + "/weather"
    counter = itertools.count(1)

    def nonce() -> str:
        return world.api.dpop_verifier.nonces.current()  # type: ignore[union-attr]

    def valid() -> tuple[dict[str, Any], dict[str, Any], Any]:
        claims = {"jti": f"workbench-{next(counter)}", "htm": "GET", "htu": url,
                  "iat": int(world.clock.time()), "ath": access_token_hash(token),
                  "nonce": nonce()}
        return {"typ": "dpop+jwt", "alg": "EdDSA", "jwk": dict(jwk)}, claims, private

    def send(proof: str, *, extra: str | None = None) -> Event:
        value = proof if extra is None else f"{proof}, {extra}"
        world.api.handle(Request.get(url, {"Authorization": f"DPoP {token}", "DPoP": value}),
                         sender="workbench")
        event = world.wire.last
        assert event is not None
        return event

    rows: list[WorkbenchRow] = []
    for check in ("nothing", *CHECKS):
        header, claims, key = valid()
        extra = None
        garble = False
        if check == "one_header":
            extra = _sign(*valid())
        elif check == "well_formed":
            garble = True
        elif check == "typ":
            header["typ"] = "JWT"
        elif check == "alg":
            header["alg"] = "none"
        elif check == "jwk":
            header["jwk"] = {**jwk, "d": "AAAA"}  # a private member in the header's key
        elif check == "signature":
            key = other
        elif check == "claims":
            claims.pop("htm")
        elif check == "htm":
            claims["htm"] = "POST"
        elif check == "htu":
            claims["htu"] = world.api.audience.rstrip("/") + "/me"
        elif check == "iat":
            claims["iat"] = int(world.clock.time()) - 3600
        elif check == "jti":
            send(_sign(header, claims, key))  # accepted once ...
        elif check == "nonce":
            claims["nonce"] = "stale-nonce"
        elif check == "ath":
            claims["ath"] = access_token_hash("another-token")
        elif check == "jkt":
            header["jwk"], key = dict(other_jwk), other
        if header["alg"] == "none":
            segments = [json.dumps(header).encode(), json.dumps(claims).encode()]
            proof = ".".join(jwt.utils.base64url_encode(s).decode() for s in segments) + "."
        else:
            proof = _sign(header, claims, key)
        if garble:
            proof = proof.rsplit(".", 1)[0]
        event = send(proof, extra=extra)
        error, description = "", ""
        challenge = event.response_headers.get("WWW-Authenticate")
        if challenge:
            params = parse_challenge(challenge)[1]
            error, description = params.get("error", ""), params.get("error_description", "")
        rows.append(WorkbenchRow(check, error, description, event))
    return tuple(rows)


# -- the replay lab of notebook 09: one captured DPoP request, replayed five ways --------------

#: The five replays of the lab, by name, each as the notebook describes it.
REPLAY_WAYS: dict[str, str] = {
    "again": "the captured request sent again at once, byte for byte",
    "as POST": "the captured Authorization and DPoP headers on a POST to the same URL",
    "to /me": "the captured Authorization and DPoP headers on a GET to /me",
    "own key": "the stolen token with a fresh, correct proof signed by the attacker's own key",
    "2 min later": "the captured request sent again, byte for byte, two minutes later",
}

def replay_lab(seed: int = 9) -> World:
    """The lab's world: Alice's app logged in with a DPoP-bound token, calling the weather API
    (DPoP required, no nonces) over plain HTTP once; the attacker captured that request."""
    world = replay_world(seed, dpop=True)
    world.app.login(world.username, world.password)
    world.app.get("/weather")
    event = world.wire.last
    assert event is not None
    attacker_of(world).capture(event)
    world.memo["captured"] = event
    return world


def _request(world: World, name: str) -> Request:
    """The request the attacker sends for replay ``name`` (the clock moved first if it says so)."""
    captured: Event = world.memo["captured"]
    headers = dict(captured.headers)
    base = world.api.audience.rstrip("/")
    if name in ("again", "2 min later"):
        if name == "2 min later":
            world.clock.advance(120)
        return Request(captured.method, captured.url, headers, None)
    if name == "as POST":
        return Request.post(captured.url, {"city": "Paris", "sky": "hail"}, headers)
    if name == "to /me":
        return Request.get(base + "/me", headers)
    if name == "own key":
        token = headers["Authorization"].split(" ", 1)[1]
        proof = attacker_of(world).own_key().proof("GET", captured.url, access_token=token)
        return Request.get(captured.url, {"Authorization": f"DPoP {token}", "DPoP": proof})
    raise ValueError(f"no replay {name!r}; the lab's replays: {', '.join(REPLAY_WAYS)}")


def send_replay(world: World, name: str) -> Response:
    """Send replay ``name`` (one of :data:`REPLAY_WAYS`) as the attacker to ``world``'s API."""
    return world.api.handle(_request(world, name), sender="attacker")  # type: ignore[no-any-return]


def refused_by(seed: int, name: str) -> str:
    """The check of RFC 9449 §4.3 that refuses replay ``name``, as the API names it — asked of a
    fresh lab world built from ``seed`` (the learner's world is left as it is); ``""`` when the
    API accepts the replay."""
    world = replay_lab(seed)
    request = _request(world, name)
    token = request.headers["Authorization"].split(" ", 1)[1]
    try:
        world.api.verify_dpop(token, request.headers, request.method, request.url)
    except InvalidDPoPProofError as err:
        return err.check
    except UseDPoPNonceError:
        return "nonce"
    except TokenError as err:
        return f"the token ({err.error})"
    return ""
