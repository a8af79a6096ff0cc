"""Shared by the fuzz tests: how many examples to run, and the attacker's world and strategies.

``TOKENLAB_FUZZ_EXAMPLES`` sets how many examples *every* property runs (``make fuzz`` sets
100,000); without it each property runs its own default, sized so that ``make test`` stays fast.
Each property counts the examples it really ran and asserts the count, so a strategy that
hypothesis gives up on cannot pass silently.

The world (:func:`build_world`): five authorization servers with one issuer and the same two
audiences — only ``kid`` and signature tell their tokens apart — and the tokens they issued.
The strategies (:class:`Gen`) make what an attacker can make from those tokens and the public
JWKS: mutated, swapped, re-signed, rewritten, huge or nested tokens, and random text or bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from jwt.utils import base64url_decode, base64url_encode

from tokenlab import (
    AuthServer,
    ResourceServer,
    SimClock,
)

#: The environment variable that sets every property's example count (``make fuzz``).
EXAMPLES_VARIABLE = "TOKENLAB_FUZZ_EXAMPLES"

ISSUER = "https://auth.example"
AUDIENCES = ("https://api.example", "https://calendar.example")
ALGORITHMS = ("EdDSA", "ES256", "RS256", "HS256")
ACCEPTED_TYP = ("at+jwt", "application/at+jwt")
REQUIRED = ("iss", "exp", "aud", "sub", "client_id", "iat", "jti")
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

FUZZ_SETTINGS: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
}


def examples(default: int) -> int:
    """How many examples a property runs: ``$TOKENLAB_FUZZ_EXAMPLES`` if set, else ``default``."""
    text = os.environ.get(EXAMPLES_VARIABLE, "").strip()
    if not text:
        return default
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise ValueError(f"{EXAMPLES_VARIABLE}={text!r} is not a whole number of examples, "
                         "e.g. 100000") from None
    if value < 1:
        raise ValueError(f"{EXAMPLES_VARIABLE}={text!r}: a fuzz needs at least one example")
    return value


def fuzz_settings(default: int) -> settings:
    """Hypothesis settings for a fuzz property: :func:`examples` of them, no deadline, no
    example database (every run explores afresh), no health check that a big world trips."""
    return settings(max_examples=examples(default), **FUZZ_SETTINGS)


# --- the world: servers, APIs and the tokens they issued, made once ------------------------------


@dataclass(frozen=True, repr=False)
class Api:
    """A resource server and the exact tokens it must accept (its issuer's, for its audience)."""

    server: ResourceServer
    auth: AuthServer
    accepts: frozenset[str]

    @property
    def sorted_tokens(self) -> tuple[str, ...]:
        return tuple(sorted(self.accepts))

    def __repr__(self) -> str:  # short: hypothesis prints it in every failing example
        return (f"<API {self.server.audience} of the {self.auth.keys.current.algorithm} server "
                f"{self.auth.random.seed!r}>")


@dataclass(frozen=True, repr=False)
class World:
    clock: SimClock
    auths: tuple[AuthServer, ...]
    apis: tuple[Api, ...]
    apis_by_kid: dict[str, tuple[Api, ...]]  # the APIs that trust each kid
    tokens: tuple[str, ...]  # every token issued; all still inside their lifetime
    kids: tuple[str, ...]  # every published kid of every server
    hmac_secrets: tuple[bytes, ...]  # public key material an attacker may try as an HS256 secret
    attacker_keys: dict[str, Any]  # algorithm -> an attacker's private key (bytes for HS256)
    attacker_jwk: dict[str, Any]  # the attacker's public key as a JWK, for `jwk` headers


def public_material(jwk: dict[str, Any]) -> list[bytes]:
    """What anyone can derive from a published JWK: PEM, DER, raw bytes, the JWK's own text."""
    public = jwt.PyJWK(jwk).key
    out = [
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo),
        json.dumps(jwk).encode(),
    ]
    if isinstance(public, ed25519.Ed25519PublicKey):
        out.append(public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
    elif isinstance(public, ec.EllipticCurvePublicKey):
        out.append(public.public_bytes(serialization.Encoding.X962,
                                       serialization.PublicFormat.UncompressedPoint))
    elif isinstance(public, rsa.RSAPublicKey):
        out.append(public.public_numbers().n.to_bytes(256, "big"))
    out += [jwk[k].encode() for k in ("x", "n") if k in jwk]
    return out


def build_world() -> World:
    clock = SimClock()
    # Every server has the same issuer and the same audiences: only kid and signature tell their
    # tokens apart. Two EdDSA servers: same algorithm, different keys.
    setups = [(alg, f"fuzz-{alg}") for alg in ALGORITHMS] + [("EdDSA", "fuzz-EdDSA-2")]
    auths: list[AuthServer] = []
    apis: list[Api] = []
    for algorithm, seed in setups:
        auth = AuthServer(issuer=ISSUER, clock=clock, seed=seed, algorithm=algorithm)
        weather = auth.register_client("weather-app", scopes=["weather:read", "weather:write"])
        calendar = auth.register_client("calendar-app", scopes=["calendar:read"])
        auth.register_client("spa", scopes=["weather:read"], public=True)
        servers = [ResourceServer(audience=a, auth=auth) for a in AUDIENCES]
        issued: dict[str, set[str]] = {a: set() for a in AUDIENCES}

        def issue(client_id: str, secret: str | None, scope: str | None,
                  auth: AuthServer = auth, issued: dict[str, set[str]] = issued) -> None:
            for audience in AUDIENCES:
                t = auth.client_credentials(client_id, secret, scope=scope, resource=audience)
                issued[audience].add(t.access_token)

        for scope in (None, "weather:read", "weather:write"):
            issue(weather.client_id, weather.client_secret, scope)
        issue(calendar.client_id, calendar.client_secret, None)
        auth.rotate_keys()  # tokens signed with the old key stay valid until they expire
        issue(weather.client_id, weather.client_secret, "weather:read weather:write")
        auths.append(auth)
        apis += [Api(s, auth, frozenset(issued[s.audience])) for s in servers]

    secrets = [m for auth in auths for jwk in auth.jwks()["keys"] for m in public_material(jwk)]
    attacker_ed = ed25519.Ed25519PrivateKey.generate()
    attacker_keys: dict[str, Any] = {
        "EdDSA": attacker_ed,
        "ES256": ec.generate_private_key(ec.SECP256R1()),
        "RS256": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "HS256": hashlib.sha256(b"the attacker's own HS256 secret").digest(),
    }
    attacker_jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(attacker_ed.public_key()))
    return World(
        clock=clock,
        auths=tuple(auths),
        apis=tuple(apis),
        apis_by_kid={k.kid: tuple(a for a in apis if a.auth is auth)
                     for auth in auths for k in auth.keys.published()},
        tokens=tuple(sorted({t for api in apis for t in api.accepts})),
        kids=tuple(k.kid for auth in auths for k in auth.keys.published()),
        hmac_secrets=tuple(secrets),
        attacker_keys=attacker_keys,
        attacker_jwk=attacker_jwk,
    )


# --- building tokens by hand -------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64url_encode(data).decode("ascii")


def json_b64(value: object) -> str:
    return b64(json.dumps(value, separators=(",", ":")).encode())


def jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    h, p, s = token.split(".")
    return json.loads(base64url_decode(h)), json.loads(base64url_decode(p)), s


def hs256(header: dict[str, Any], payload: dict[str, Any], secret: bytes) -> str:
    """HS256 by hand: PyJWT rightly refuses a PEM, DER or JWK text as an HMAC secret."""
    signing_input = f"{json_b64(header)}.{json_b64(payload)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


# --- strategies: built once per world (building a strategy on every draw is slow) ----------------

_DELETE = "\x00delete"  # a header edit that removes the parameter
ALG_VALUES: tuple[object, ...] = (
    _DELETE, "none", "None", "NONE", "nOnE", "HS256", "RS256", "ES256", "EdDSA", "PS256",
    "HS512", "ES384", "RS512", "", " EdDSA", "eddsa", "hs256", None, 0, 1.5, True, [], ["HS256"],
    {"alg": "HS256"},
)
KID_VALUES: tuple[object, ...] = (
    _DELETE, "unknown-kid", "", " ", None, 0, 7, True, [], ["kid"], {"kid": "x"}, "../../etc/passwd",
)
KID_TWEAKS: tuple[Callable[[str], str], ...] = (
    lambda k: k + "x", str.upper, str.lower, lambda k: k[:-1], lambda k: k + " ",
    lambda k: "../" + k, lambda k: k * 2,
)
TYP_VALUES: tuple[object, ...] = (
    _DELETE, "JWT", "jwt", "at+jwt", "AT+JWT", "at+JWT", "application/at+jwt", "application/jwt",
    "", None, 5, "at+jwt ", "id_token+jwt", "JOSE", "dpop+jwt",
)
CRIT_VALUES: tuple[object, ...] = (
    ["b64"], ["exp"], [], "b64", {"b64": True}, [5], None, ["b64", "exp"], ["kid"], [[]],
)
B64_VALUES: tuple[object, ...] = (False, True, "false", 0, None)
HEADER_NAMES = ("alg", "kid", "typ", "cty", "crit", "b64", "jku", "jwk", "x5u", "x5c", "x5t",
                "zip", "enc", "epk", "iss", "aud", "exp")
CLAIM_NAMES = ("iss", "sub", "aud", "exp", "nbf", "iat", "jti", "client_id", "scope", "cnf", "act")
HUGE_INTS = (10**400, -(10**400), 2**1024, 10**309, -(2**1100), 10**4000)

JSON: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    | st.sampled_from(HUGE_INTS),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=8,
)
SEPARATORS = st.sampled_from(((",", ":"), (", ", ": "), (",", ": ")))
FORMS = st.sampled_from(("str", "str", "bytes", "bytearray"))
CHARS = st.sampled_from(B64URL + ".=+/ ") | st.characters()
HEADER_NAME = st.sampled_from(HEADER_NAMES) | st.text(max_size=6)
CLAIM_NAME = st.sampled_from(CLAIM_NAMES) | st.text(max_size=6)
NESTING_DEPTH = (st.sampled_from((10, 100, 998, 999, 1000, 1001, 3000, 5000, 9000, 100_000))
                 | st.integers(1, 12_000))
HUGE_SIZE = st.integers(16_000, 600_000) | st.integers(16_370, 16_400)


def json_b64_drawn(draw: st.DrawFn, value: object) -> str:
    """``value`` as JSON in a randomly chosen formatting, base64url-encoded."""
    text = json.dumps(value, separators=draw(SEPARATORS), sort_keys=draw(st.booleans()),
                      ensure_ascii=draw(st.booleans()))
    return b64(text.encode("utf-8", "surrogatepass"))


class Gen:
    """The world-dependent strategies, each built once."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.token = st.sampled_from(world.tokens)
        self.kid = st.sampled_from(world.kids)
        self.kid_value = st.sampled_from(KID_VALUES) | self.kid | st.sampled_from(KID_TWEAKS)
        self.key_param = st.tuples(
            st.sampled_from(("jku", "jwk", "x5u", "x5c")),
            st.sampled_from(("https://attacker.example/jwks.json", world.attacker_jwk,
                             ["MIIBIjANBgkqhkiG9w0BAQEF"], None, "", [], {})),
        )
        self.secret = st.sampled_from(world.hmac_secrets)
        self.extra_apis = st.lists(st.integers(0, len(world.apis) - 1), max_size=2, unique=True)
        self.random_header = (
            st.fixed_dictionaries(
                {"alg": st.sampled_from(ALG_VALUES[1:]), "kid": self.kid | JSON},
                optional={"typ": st.sampled_from(TYP_VALUES[1:]),
                          "crit": st.sampled_from(CRIT_VALUES), "jku": JSON, "b64": JSON},
            )
            | st.dictionaries(st.sampled_from(HEADER_NAMES), JSON)
            | JSON
        )
        self.random_payload = st.dictionaries(CLAIM_NAME, JSON) | JSON
        self.random_signature = (st.binary(max_size=300).map(b64)
                                 | self.token.map(lambda t: t.split(".")[2]))
        self.value: st.SearchStrategy[str | bytes] = st.one_of(
            st.binary(max_size=512),
            st.text(max_size=300),  # any code point: non-ASCII, control characters
            st.text(st.characters(codec="ascii"), max_size=300),  # ASCII control characters
            st.lists(st.text(B64URL + "=+/ \t\n", max_size=80), min_size=1, max_size=5)
            .map(".".join),
            self.token,  # the originals: they must pass, unchanged
            mutated(self), mutated(self),
            swapped(self),
            rewritten_header(self), rewritten_header(self),
            resigned(self), resigned(self),
            huge(self),
            nested(self),
            random_json_token(self),
        )


def _edit_alg(draw: st.DrawFn, header: dict[str, Any], g: Gen) -> object:
    header["alg"] = draw(st.sampled_from(ALG_VALUES))
    return header


def _edit_kid(draw: st.DrawFn, header: dict[str, Any], g: Gen) -> object:
    value = draw(g.kid_value)  # a bad kid, another server's (or a rotated-out) kid, or a tweak
    if callable(value):
        kid = header.get("kid")
        value = value(kid if isinstance(kid, str) and kid else "k")
    header["kid"] = value
    return header


def _edit_key_param(draw: st.DrawFn, header: dict[str, Any], g: Gen) -> object:
    name, value = draw(g.key_param)
    header[name] = value
    return header


def _edit_crit(draw: st.DrawFn, header: dict[str, Any], g: Gen) -> object:
    header["crit"] = draw(st.sampled_from(CRIT_VALUES))
    if draw(st.booleans()):
        header["b64"] = False
    return header


def _edit_b64(draw: st.DrawFn, header: dict[str, Any], g: Gen) -> object:
    header["b64"] = draw(st.sampled_from(B64_VALUES))
    return header


def _edit_typ(draw: st.DrawFn, header: dict[str, Any], g: Gen) -> object:
    header["typ"] = draw(st.sampled_from(TYP_VALUES))
    return header


def _edit_extra(draw: st.DrawFn, header: dict[str, Any], g: Gen) -> object:
    header[draw(HEADER_NAME)] = draw(JSON)
    return header


def _edit_not_an_object(draw: st.DrawFn, header: dict[str, Any], g: Gen) -> object:
    return (
        [header], list(header), "alg", 1, None, True, [],
    )[draw(st.integers(0, 6))]


def _edit_nothing(draw: st.DrawFn, header: dict[str, Any], g: Gen) -> object:
    return header  # only the formatting may change: other bytes, same meaning


HeaderEdit = Callable[[st.DrawFn, dict[str, Any], Gen], object]
HEADER_EDITS: tuple[HeaderEdit, ...] = (
    _edit_alg, _edit_kid, _edit_key_param, _edit_crit, _edit_b64, _edit_typ, _edit_extra,
    _edit_not_an_object, _edit_nothing,
)


@st.composite
def mutated(draw: st.DrawFn, g: Gen) -> str:
    """A valid token with one character changed, inserted or deleted (or cut short)."""
    token = draw(g.token)
    op = draw(st.sampled_from(("replace", "insert", "delete", "truncate")))
    i = draw(st.integers(0, len(token) if op == "insert" else len(token) - 1))
    if op == "delete":
        return token[:i] + token[i + 1:]
    if op == "truncate":
        return token[:i]
    return token[:i] + draw(CHARS) + token[i + (op == "replace"):]


@st.composite
def swapped(draw: st.DrawFn, g: Gen) -> str:
    """Parts (header, payload, signature) taken from different tokens, maybe out of place."""
    parts = []
    for position in range(draw(st.sampled_from((3, 3, 3, 2, 4)))):
        token = draw(g.token).split(".")
        which = position if position < 3 and draw(st.booleans()) else draw(st.integers(0, 2))
        parts.append(token[which])
    return ".".join(parts)


@st.composite
def rewritten_header(draw: st.DrawFn, g: Gen) -> str:
    """A valid token's header edited and re-encoded; the payload and signature kept."""
    token = draw(g.token)
    header: object = json.loads(base64url_decode(token.split(".")[0]))
    for edit in draw(st.lists(st.sampled_from(HEADER_EDITS), min_size=1, max_size=4)):
        if isinstance(header, dict):
            header = edit(draw, header, g)
        if isinstance(header, dict):
            header = {k: v for k, v in header.items() if v != _DELETE}
    _, payload, signature = token.split(".")
    if isinstance(header, dict) and header.get("b64") is False and draw(st.booleans()):
        payload = ""  # the detached-payload form of RFC 7797
    return f"{json_b64_drawn(draw, header)}.{payload}.{signature}"


FORGED_CLAIMS = st.sampled_from((
    ("scope", "weather:read weather:write admin"), ("exp", 86400 * 365), ("aud", list(AUDIENCES)),
    ("sub", "admin"), ("client_id", "admin"),
))
GUESSED_SECRETS = (b"secret", b"", b"\x00" * 32, ISSUER.encode(),
                   hashlib.sha256(b"the attacker's own HS256 secret").digest())


@st.composite
def resigned(draw: st.DrawFn, g: Gen) -> str:
    """A token re-signed by the attacker: HS256 with a public key, own keys, ``alg: none``."""
    token = draw(g.token)
    header, payload, _ = jwt_parts(token)
    kid = draw(st.sampled_from((header["kid"], None)) | g.kid)
    if draw(st.booleans()):  # the point of forging: more scope, a longer life, another API
        claim, value = draw(FORGED_CLAIMS)
        payload[claim] = payload["exp"] + value if claim == "exp" else value
    typ = draw(st.sampled_from(("at+jwt", "at+jwt", "JWT")))
    attack = draw(st.sampled_from(("hs256-public-key", "hs256-guess", "own-key", "embedded-jwk",
                                   "none")))
    kid_header = {} if kid is None else {"kid": kid}
    if attack == "hs256-public-key":
        secret = draw(g.secret)
        try:  # the algorithm-confusion attack, made with PyJWT where PyJWT allows the secret
            return jwt.encode(payload, secret, algorithm="HS256",
                              headers={**kid_header, "typ": typ})
        except jwt.InvalidKeyError:  # PEM, DER, JWK text: PyJWT refuses; sign by hand
            return hs256({"alg": "HS256", **kid_header, "typ": typ}, payload, secret)
    if attack == "hs256-guess":
        secret = draw(st.sampled_from(GUESSED_SECRETS) | st.just((kid or "").encode()))
        return hs256({"alg": "HS256", **kid_header, "typ": typ}, payload, secret)
    if attack in ("own-key", "embedded-jwk"):
        alg = draw(st.sampled_from(ALGORITHMS))
        extra = {"jwk": g.world.attacker_jwk} if attack == "embedded-jwk" else {}
        return jwt.encode(payload, g.world.attacker_keys[alg], algorithm=alg,
                          headers={**kid_header, "typ": typ, **extra})
    alg = draw(st.sampled_from(("none", "None", "NONE", "nOnE")))
    signature = draw(st.sampled_from(("", "", token.split(".")[2], "AAAA")))
    return f"{json_b64({'alg': alg, **kid_header, 'typ': typ})}.{json_b64(payload)}.{signature}"


@st.composite
def huge(draw: st.DrawFn, g: Gen) -> str:
    """Hundreds of KB of dots or base64url text, and sizes right at the length limit."""
    kind = draw(st.sampled_from(("dots", "b64", "three-parts", "padded-payload", "repeated")))
    n = draw(HUGE_SIZE)
    token = draw(g.token)
    if kind == "dots":
        return "." * n
    if kind == "b64":
        return draw(st.sampled_from(B64URL)) * n
    if kind == "three-parts":
        third = n // 3
        return ".".join(["A" * third, "B" * third, "C" * (n - 2 * third - 2)])
    if kind == "padded-payload":
        h, p, s = token.split(".")
        payload = json.loads(base64url_decode(p))
        payload["pad"] = "x" * (n * 3 // 4)
        return f"{h}.{json_b64(payload)}.{s}"
    return token * (n // len(token) + 1)


@st.composite
def nested(draw: st.DrawFn, g: Gen) -> str:
    """Deeply nested JSON — ``[[[[...]]]]`` or ``{"a":{"a":...}}`` — in the header or payload."""
    depth = draw(NESTING_DEPTH)
    kind = draw(st.sampled_from(("list", "object", "inside-valid-header")))
    h, p, s = draw(g.token).split(".")
    if kind == "list":
        text = "[" * depth + "]" * depth
    elif kind == "object":
        text = '{"a":' * depth + "1" + "}" * depth
    else:
        header = base64url_decode(h).decode()
        text = header[:-1] + ',"x":' + "[" * depth + "]" * depth + "}"
    blob = b64(text.encode())
    if kind != "inside-valid-header" and draw(st.booleans()):
        return f"{h}.{blob}.{s}"
    return f"{blob}.{p}.{s}"


@st.composite
def random_json_token(draw: st.DrawFn, g: Gen) -> str:
    """Three base64url parts holding random JSON: plausible headers, claims, any signature."""
    header = json_b64_drawn(draw, draw(g.random_header))
    payload = json_b64_drawn(draw, draw(g.random_payload))
    return f"{header}.{payload}.{draw(g.random_signature)}"


@st.composite
def attacker_input(draw: st.DrawFn, g: Gen) -> tuple[str | bytes | bytearray, list[int]]:
    """An input, as str, bytes or bytearray, and the indexes of a few extra APIs to try it on."""
    value = draw(g.value)
    extra = draw(g.extra_apis)
    if isinstance(value, bytes):
        return (bytearray(value) if draw(st.booleans()) else value), extra
    form = draw(FORMS)
    if form == "str":
        return value, extra
    data = value.encode("utf-8", "surrogatepass")
    return (data if form == "bytes" else bytearray(data)), extra


# --- arbitrary claims signed with the server's real key (step 3 on its own) ----------------------

TIME_CLAIMS = ("exp", "nbf", "iat")
AUD_VALUES = st.sampled_from((AUDIENCES[0], list(AUDIENCES), [], [AUDIENCES[1]],
                              "https://api.example/", [AUDIENCES[0], 5])) | JSON
ISS_VALUES = (st.sampled_from((ISSUER, ISSUER + "/", "https://AUTH.example", ""))
              | st.text(max_size=10))  # PyJWT itself refuses to encode a non-string iss
SCOPE_VALUES = st.sampled_from(("weather:read", "weather:read weather:write", "", " ",
                                ["weather:read"])) | JSON
TYP = st.sampled_from(("at+jwt", "at+jwt", "application/at+jwt", "AT+JWT", "JWT", ""))
REQUIRED_SCOPE = st.sampled_from(((), (), ("weather:read",), ("weather:read", "weather:write"),
                                  ("calendar:read",)))


def time_values(now: float) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.integers(-5, 5).map(lambda d: math.floor(now) + d),
        st.floats(now - 10, now + 10),
        st.sampled_from((now, now + 300, -1, 0, 1e308, -1e308, float("nan"), float("inf"),
                         "1893456300", None, True, [now])),
        st.sampled_from(HUGE_INTS),
        JSON,
    )


@st.composite
def signed_claims(draw: st.DrawFn, world: World,
                  time_values: st.SearchStrategy[Any]) -> tuple[Api, str, tuple[str, ...]]:
    """Arbitrary claims signed with the API's issuer's real current key."""
    api = draw(st.sampled_from(world.apis))
    claims = dict(jwt_parts(draw(st.sampled_from(api.sorted_tokens)))[1])
    for _ in range(draw(st.integers(0, 4))):
        name = draw(CLAIM_NAME)
        if draw(st.integers(0, 5)) == 0:
            claims.pop(name, None)
        elif name in TIME_CLAIMS:
            claims[name] = draw(time_values)
        else:
            claims[name] = draw({"aud": AUD_VALUES, "iss": ISS_VALUES,
                                 "scope": SCOPE_VALUES}.get(name, JSON))
    return api, api.auth.keys.current.sign(claims, typ=draw(TYP)), draw(REQUIRED_SCOPE)

