"""Fuzz of the HTTP layer of both servers: every request gets a response, never an exception.

``AuthServer.handle`` (``/token`` with every grant type, ``/revoke``, ``/introspect``,
``/authorize`` GET and POST, the metadata and ``/jwks.json``) and ``ResourceServer.handle``
(``/weather`` and ``/me``, the token in the header, the query or the form body, APIs in every
revocation mode) are sent forms, header fields, URLs and tokens: random text and bytes, the
attacker's tokens of tests/fuzzing.py, the world's real tokens, refresh tokens and codes (taken
live from what the servers handed out, so the grants really succeed now and then), tokens the
server itself signed with odd claims (``exp`` = 10**400 or Infinity, lists, nulls, a ``jku``
header), padded and truncated tokens, client credentials right and wrong, and values that are
not text at all.

The properties, for every request:

- the answer is a :class:`~tokenlab.net.messages.Response` whose status is an int in 200..599, whose
  header fields are text without CR or LF (RFC 9110 §5.5), a 401 carries ``WWW-Authenticate``
  (RFC 9110 §11.6.1, RFC 6750 §3), a 405 ``Allow`` (RFC 9110 §15.5.6), a JSON body is real JSON
  (RFC 8259: no NaN or Infinity), and a body with a token is ``Cache-Control: no-store``
  (RFC 6749 §5.1);
- the server's wire recorded the exchange (the last event is this request and this response),
  and the event renders;
- nothing raises.

``TOKENLAB_FUZZ_EXAMPLES`` sets every property's example count (``make fuzz``: 100,000 each).
"""

from __future__ import annotations

import base64
import dataclasses
import json
import math
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tokenlab import AuthServer, RegisteredClient, Request, ResourceServer, Response, SimClock
from tokenlab.authserver.grants import ClientCredentialsGrant
from tokenlab.authserver.pkce import S256, s256_challenge
from tokenlab.net.messages import FORM, basic_authorization
from tokenlab.net.wire import Wire

from .conftest import PASSWORD
from .fuzzing import (
    HUGE_INTS,
    JSON,
    Gen,
    attacker_input,
    build_world,
    examples,
    fuzz_settings,
)

ISSUER = "https://auth.example"
HOSTS = ("https://auth.example", "http://auth.example", "https://other.example",
         "http://localhost:8000", "https://AUTH.EXAMPLE:443")
API_HOSTS = ("https://api.example", "http://api.example", "https://evil.example")
#: The APIs: one per revocation mode, one with leeway, one that knows only the JWKS.
API_AUDIENCES = {
    "https://api.example": {"revocation": "denylist"},
    "https://introspect.example": {"revocation": "introspect"},
    "https://cached.example": {"revocation": "introspect", "introspection_cache_ttl": 30},
    "https://open.example": {"revocation": "none"},
    "https://lenient.example": {"revocation": "denylist", "leeway": 60},
}
JWKS_AUDIENCE = "https://jwks.example"
CALLBACKS = ("https://app.example/cb", "https://app.example/cb?from=login")
SPA_CALLBACK = "https://spa.example/"
VERIFIERS = tuple(f"{'verifier-' * 5}{i:04d}" for i in range(4))
CHALLENGE_OF = {v: s256_challenge(v) for v in VERIFIERS}
VERIFIER_OF = {c: v for v, c in CHALLENGE_OF.items()}
#: How many harvested tokens and codes each pool keeps (the newest).
POOL_SIZE = 64
#: Why a value is left out of a form, query or header.
OMIT: Any = type("Omit", (), {"__repr__": lambda self: "<omitted>"})()


# --- the world ----------------------------------------------------------------------------------


@dataclass(repr=False)
class HttpWorld:
    """An authorization server, its APIs and clients, and pools of what the servers handed out."""

    clock: SimClock
    auth: AuthServer
    apis: tuple[ResourceServer, ...]
    clients: dict[str, RegisteredClient]  # by role: app, spa, calendar
    secrets: dict[str, str]  # client_id -> secret, for the confidential ones
    pools: dict[str, deque[dict[str, Any]]] = field(default_factory=dict)

    def __repr__(self) -> str:  # hypothesis prints it in a failing example: keep it short
        return f"<HttpWorld at {self.clock.time():.0f}>"

    def add(self, kind: str, entry: dict[str, Any]) -> None:
        self.pools.setdefault(kind, deque(maxlen=POOL_SIZE)).append(entry)
        if kind == "access":  # also by audience, so that an API gets its own tokens often
            aud = jwt.decode(entry["value"], options={"verify_signature": False}).get("aud")
            self.pools.setdefault(f"access@{aud}", deque(maxlen=POOL_SIZE)).append(entry)

    def harvest(self, response: Response, sent: Mapping[str, Any]) -> None:
        """Keep what a successful grant or login handed out, so later requests can use it."""
        body = response.json()
        client_id = sent.get("client_id")
        owner = {"client_id": client_id, "client_secret": self.secrets.get(client_id or "")}
        if response.status == 200 and isinstance(body.get("access_token"), str):
            self.add("access", {"value": body["access_token"], **owner})
            if isinstance(body.get("refresh_token"), str):
                self.add("refresh", {"value": body["refresh_token"], **owner})
        location = response.headers.get("Location", "")
        if response.status == 302 and "code=" in location:
            code = dict(_query_pairs(location)).get("code")
            redirect_uri = sent.get("redirect_uri")
            client = next((c for c in self.clients.values() if c.client_id == client_id), None)
            if code and client is not None:
                if redirect_uri is None and client.redirect_uris:
                    redirect_uri = client.redirect_uris[0]
                self.add("code", {"value": code, "redirect_uri": redirect_uri,
                                  "code_verifier": VERIFIER_OF.get(sent.get("code_challenge", "")),
                                  **owner})


def _query_pairs(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query)


def build_http_world() -> HttpWorld:
    clock = SimClock()
    auth = AuthServer(issuer=ISSUER, clock=clock, seed="fuzz-http")
    app = auth.register_client("weather-app", scopes=["weather:read", "weather:write"],
                               redirect_uris=list(CALLBACKS))
    spa = auth.register_client("spa", scopes=["weather:read"], public=True,
                               redirect_uris=[SPA_CALLBACK])
    calendar = auth.register_client("calendar-app", scopes=["calendar:read"],
                                    redirect_uris=["https://calendar.example/cb"])
    auth.register_user("alice", PASSWORD)
    auth.register_user("bob", "bob's own password")
    apis = [ResourceServer(audience=a, auth=auth, **options)  # type: ignore[arg-type]
            for a, options in API_AUDIENCES.items()]
    apis.append(ResourceServer(audience=JWKS_AUDIENCE, issuer=ISSUER, jwks=auth.jwks(), clock=clock,
                               wire=auth.wire))
    clients = {"app": app, "spa": spa, "calendar": calendar}
    secrets = {c.client_id: c.client_secret for c in clients.values() if c.client_secret}
    world = HttpWorld(clock, auth, tuple(apis), clients, secrets)
    assert app.client_secret is not None and calendar.client_secret is not None
    for audience in [*API_AUDIENCES, JWKS_AUDIENCE]:
        auth.register_resource(audience)
        t = auth.client_credentials(app.client_id, app.client_secret, resource=audience)
        world.add("access", {"value": t.access_token, "client_id": app.client_id,
                             "client_secret": app.client_secret})
        t = auth.password_grant(app.client_id, app.client_secret, "alice", PASSWORD,
                                resource=audience)
        world.add("access", {"value": t.access_token, "client_id": app.client_id,
                             "client_secret": app.client_secret})
        world.add("refresh", {"value": t.refresh_token, "client_id": app.client_id,
                              "client_secret": app.client_secret})
    for i, verifier in enumerate(VERIFIERS):
        client = (app, spa)[i % 2]
        redirect = auth.authorize(client.client_id, client.redirect_uris[0], username="alice",
                                  password=PASSWORD, state=f"s{i}",
                                  code_challenge=CHALLENGE_OF[verifier], code_challenge_method=S256)
        world.add("code", {"value": redirect.code, "redirect_uri": client.redirect_uris[0],
                           "code_verifier": verifier, "client_id": client.client_id,
                           "client_secret": client.client_secret})
    auth.wire.clear()
    return world


# --- values resolved when the request is sent: what the servers hold *now* ---------------------


@dataclass(frozen=True)
class Live:
    """The ``field`` of the ``index``-th entry of a pool (modulo its size) at send time, maybe
    tweaked: the real refresh token, code, verifier or client secret the world holds now."""

    kind: str
    index: int
    field: str = "value"
    tweak: str | None = None

    def __repr__(self) -> str:
        tweak = f", {self.tweak}" if self.tweak else ""
        return f"<live {self.kind}[{self.index}].{self.field}{tweak}>"


@dataclass(frozen=True)
class Basic:
    """An ``Authorization: Basic`` value built at send time from (maybe live) id and secret."""

    client_id: Any
    secret: Any
    variant: str = "rfc6749"


TWEAKS: dict[str, Callable[[str], str]] = {
    "pad": lambda t: t + "=",  # RFC 7515 §2: base64url without padding
    "pad2": lambda t: t + "==",
    "pad-parts": lambda t: ".".join(p + "==" for p in t.split(".")),
    "space": lambda t: f" {t} ",
    "truncated": lambda t: t[:-1],
    "doubled": lambda t: t + t,
    "swapcase-last": lambda t: t[:-1] + t[-1:].swapcase(),
    "newline": lambda t: t + "\r\nX-Injected: 1",
}


def resolve(world: HttpWorld, value: Any) -> Any:
    """``value`` with every :class:`Live` and :class:`Basic` in it replaced by what it names now."""
    if isinstance(value, Live):
        pool = world.pools.get(value.kind)
        if not pool:
            return f"no-{value.kind}-yet"
        found = pool[value.index % len(pool)].get(value.field)
        if found is None:
            return OMIT
        return TWEAKS[value.tweak](found) if value.tweak and isinstance(found, str) else found
    if isinstance(value, Basic):
        client_id, secret = resolve(world, value.client_id), resolve(world, value.secret)
        client_id = "" if client_id is OMIT else client_id
        secret = "" if secret is OMIT else secret
        return _basic(client_id, secret, value.variant)
    if isinstance(value, tuple):
        return tuple(v for v in (resolve(world, v) for v in value) if v is not OMIT)
    return value


def _basic(client_id: Any, secret: Any, variant: str) -> Any:
    if not isinstance(client_id, str) or not isinstance(secret, str):
        return f"Basic {client_id!r}:{secret!r}"
    if variant == "rfc6749":
        try:
            return basic_authorization(client_id, secret)
        except UnicodeEncodeError:  # a lone surrogate: no client can send it as UTF-8
            variant = "raw"
    if variant == "no-colon":
        pair = client_id + secret
    elif variant == "percent":
        pair = f"{quote(client_id, errors='surrogatepass')}:{quote(secret, errors='surrogatepass')}"
    else:
        pair = f"{client_id}:{secret}"
    data = pair.encode("utf-8", "surrogatepass")
    b64 = base64.b64encode(data).decode("ascii")
    return {
        "lower-scheme": f"basic {b64}", "no-scheme": b64, "bad-base64": f"Basic {b64}!",
        "not-utf8": "Basic " + base64.b64encode(b"\xff\xfe:" + data).decode("ascii"),
        "urlsafe": "Basic " + base64.urlsafe_b64encode(data).decode("ascii"),
        "unpadded": f"Basic {b64.rstrip('=')}", "spaces": f"  Basic   {b64}  ",
    }.get(variant, f"Basic {b64}")


def _resolve_pairs(world: HttpWorld, pairs: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    out = []
    for name, value in pairs:
        v = resolve(world, value)
        if v is not OMIT and not (isinstance(v, tuple) and not v and isinstance(value, Live)):
            out.append((name, v))
    return out


# --- the strategies -----------------------------------------------------------------------------

NOT_TEXT = st.sampled_from((None, 0, -1, 1.5, float("nan"), True, b"bytes", bytearray(b"x"),
                            ["a"], {"a": "b"}, ("a", 5), (), object()))
ODD_TEXT = st.sampled_from(("", " ", "\x00", "\r\n", "%", "%zz", "&", "=", "a=b&c", "é", "\ud800",
                            "\u2028", "null", "[]", "{}", "Ωmega", "..", "a" * 5000))
TEXT = st.text(max_size=40) | ODD_TEXT


@st.composite
def mostly(draw: st.DrawFn, good: st.SearchStrategy[Any], odd: st.SearchStrategy[Any],
           odds: int = 9) -> Any:
    """``good`` about ``odds`` times out of ``odds + 1``: deep paths need well-formed requests,
    and one malformed part spoils the whole request. (Not ``one_of``: it merges equal branches.)"""
    return draw(odd if rarely(draw, odds + 1) else good)


def rarely(draw: st.DrawFn, n: int) -> bool:
    """True about once in ``n`` draws. (Not ``integers(0, n - 1) == 0``: hypothesis draws the
    ends of a range far more often than 1/n; shrinking still leads to False.)"""
    return n <= 1 or draw(st.integers(0, n - 1)) == n // 2


@st.composite
def odd_signed(draw: st.DrawFn, world: HttpWorld) -> str:
    """A token the authorization server itself signed, with odd claims or header parameters."""
    auth = world.auth
    app = world.clients["app"]
    now = math.floor(world.clock.time())
    claims: dict[str, Any] = {
        "iss": ISSUER, "sub": "alice", "aud": draw(st.sampled_from([*API_AUDIENCES, JWKS_AUDIENCE])),
        "exp": now + 300, "iat": now, "jti": draw(st.text(min_size=1, max_size=8)),
        "client_id": draw(st.sampled_from((app.client_id, world.clients["spa"].client_id,
                                           "someone-else"))),
        "scope": "weather:read weather:write",
    }
    odd_time = st.sampled_from((*HUGE_INTS, float("inf"), float("-inf"), float("nan"), 1e308,
                                -1e308, 2**53 + 1, 0, -1, "1893456300", None, True, [now], {}))
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(("exp", "exp", "iat", "nbf", "aud", "scope", "jti", "sub",
                                     "client_id", "drop", "extra")))
        if name in ("exp", "iat", "nbf"):
            claims[name] = draw(odd_time)
        elif name == "drop":
            claims.pop(draw(st.sampled_from(sorted(claims))), None)
        elif name == "extra":
            claims[draw(st.text(max_size=6).filter(lambda n: n != "iss"))] = draw(JSON)
        else:  # (not iss: PyJWT refuses to sign a non-string one)
            claims[name] = draw(st.sampled_from((None, 5, [], ["weather:read"], {}, "", True))
                                | TEXT)
    typ = draw(st.sampled_from(("at+jwt", "at+jwt", "application/at+jwt", "JWT", "")))
    extra_header = draw(st.sampled_from((None, None, "jku", "jwk", "crit", "x5u")))
    if extra_header is None:
        return auth.keys.current.sign(claims, typ=typ)
    # The issuer's own key, as conftest's ``forge`` uses it: a token the server could have made
    # by mistake (a ``jku`` it should never trust), not an attack — no attacker holds this key.
    key = auth.keys.current
    value: Any = {"jku": "https://attacker.example/jwks.json", "crit": ["exp"],
                  "x5u": "https://attacker.example/cert.pem", "jwk": {"kty": "OKP"}}[extra_header]
    return jwt.encode(claims, key._private, algorithm=key.algorithm,
                      headers={"kid": key.kid, "typ": typ, extra_header: value})


def token_values(world: HttpWorld, gen: Gen) -> st.SearchStrategy[Any]:
    """Anything sent where a token goes."""
    index = st.integers(0, POOL_SIZE * 4)
    live = st.builds(Live, st.sampled_from(("access", "access", "refresh", "code")), index)
    tweaked = st.builds(Live, st.sampled_from(("access", "refresh")), index, st.just("value"),
                        st.sampled_from(sorted(TWEAKS)))
    attacker = attacker_input(gen).map(lambda case: case[0]).map(
        lambda v: v if isinstance(v, str) else bytes(v))
    return st.one_of(live, live, tweaked, odd_signed(world), odd_signed(world), attacker, TEXT,
                     NOT_TEXT)


@dataclass(frozen=True)
class Plan:
    """One request before its live values are resolved."""

    method: Any
    url: Any  # a base URL; ``query`` is appended at send time
    query: Any  # list of pairs, raw text, or None
    headers: Any  # list of pairs (maybe not text), or something that is not a mapping at all
    body: Any  # list of pairs (a form), None, or something that is not a form
    headers_as: str = "dict"
    #: Well-formed requests sent first: a login for a fresh code, a grant for fresh tokens.
    before: tuple[Plan, ...] = ()

    def request(self, world: HttpWorld) -> tuple[Request, dict[str, Any]]:
        """The :class:`Request`, and the text parameters it carries (to harvest what it gets)."""
        url = self.url
        sent: dict[str, Any] = {}
        if isinstance(url, str) and self.query is not None:
            if isinstance(self.query, str):
                url = f"{url}?{self.query}"
            else:
                pairs = _resolve_pairs(world, self.query)
                sent.update((n, v) for n, v in pairs if isinstance(v, str))
                url = f"{url}?{_urlencode(pairs)}"
        headers: Any = self.headers
        if isinstance(headers, list):
            for _, value in headers:  # the client a Basic header speaks for, to harvest for it
                client_id = resolve(world, value.client_id) if isinstance(value, Basic) else None
                if isinstance(client_id, str):
                    sent.setdefault("client_id", client_id)
            pairs = _resolve_pairs(world, headers)
            headers = dict(pairs) if self.headers_as == "dict" else pairs
        body: Any = self.body
        if isinstance(body, list):
            form: dict[Any, Any] = {}
            for name, value in _resolve_pairs(world, body):
                form[name] = value
                if isinstance(value, str) and isinstance(name, str):
                    sent[name] = value
            body = form
        return Request(self.method, url, headers, body), sent


def _urlencode(pairs: list[tuple[str, Any]]) -> str:
    out = []
    for name, value in pairs:
        values = value if isinstance(value, tuple) else (value,)
        for v in values:
            v = v.decode("latin-1") if isinstance(v, bytes | bytearray) else str(v)
            out.append(urlencode({name: v}, errors="surrogatepass") if name
                       else quote(v, errors="surrogatepass"))
    return "&".join(out)


CONTENT_TYPES = mostly(
    st.sampled_from((FORM, FORM, FORM, f"{FORM}; charset=utf-8", "APPLICATION/X-WWW-FORM-URLENCODED")),
    st.sampled_from(("", "application/json", "text/plain", "multipart/form-data; boundary=x",
                     f"{FORM}, text/plain", ";", "application/x-www-form-urlencoded\r\nX-Injected: 1"))
    | TEXT)
METHODS = st.sampled_from(("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "post", "Get", "",
                           " POST", None, 5, b"POST"))
EXTRA_HEADERS = mostly(st.just([]), st.lists(st.tuples(
    st.sampled_from(("X-Forwarded-For", "Accept", "Cookie", "DPoP", "authorization", "content-type",
                     "")) | TEXT,
    mostly(TEXT, NOT_TEXT, 3)), min_size=1, max_size=2), 4)
#: Not a mapping (and not a list: a list in a :class:`Plan` is pairs still to be resolved).
NOT_A_MAPPING = st.sampled_from(("grant_type=client_credentials", b"a=b", 5, ("a", "b"),
                                 (("grant_type", "password"),), object()))


@st.composite
def perturbed(draw: st.DrawFn, pairs: list[tuple[str, Any]], values: st.SearchStrategy[Any],
              names: tuple[str, ...]) -> list[tuple[str, Any]]:
    """``pairs`` with 0-3 changes: a field dropped, emptied, repeated, retyped or added."""
    pairs = list(pairs)
    for _ in range(draw(st.integers(1, 3)) if rarely(draw, 3) else 0):
        op = draw(st.sampled_from(("drop", "empty", "repeat", "replace", "add", "rename")))
        i = draw(st.integers(0, max(len(pairs) - 1, 0)))
        if op == "add" or not pairs:
            pairs.append((draw(st.sampled_from(names) | TEXT), draw(values)))
        elif op == "drop":
            del pairs[i]
        elif op == "empty":
            pairs[i] = (pairs[i][0], "")
        elif op == "repeat":
            pairs[i] = (pairs[i][0], (pairs[i][1], draw(values)))
        elif op == "replace":
            pairs[i] = (pairs[i][0], draw(values))
        else:
            pairs[i] = (draw(st.sampled_from((pairs[i][0].upper(), pairs[i][0] + " ", "")) | TEXT),
                        pairs[i][1])
    return pairs


@st.composite
def client_auth(draw: st.DrawFn, world: HttpWorld, pool: str | None, i: int | None = None
                ) -> tuple[list[tuple[str, Any]], list[tuple[str, Any]]]:
    """``(header pairs, form pairs)`` authenticating some client: the right one for the grant
    (the owner of entry ``i`` of ``pool``), another, an unknown one, or none."""
    clients = world.clients
    i = draw(st.integers(0, POOL_SIZE * 4)) if i is None else i
    app, spa, calendar = clients["app"], clients["spa"], clients["calendar"]
    ids: st.SearchStrategy[Any] = st.sampled_from((app.client_id, app.client_id, spa.client_id,
                                                   calendar.client_id, "unknown-client", ""))
    if pool is not None:
        ids = st.just(Live(pool, i, "client_id")) | ids
    client_id = draw(mostly(ids, TEXT | NOT_TEXT, 6))
    known = {app.client_id: app.client_secret, calendar.client_id: calendar.client_secret}
    right = (Live(pool, i, "client_secret") if pool is not None and isinstance(client_id, Live)
             else known.get(client_id) if isinstance(client_id, str) else None)
    secret = draw(mostly(st.just(right), st.sampled_from((
        app.client_secret, calendar.client_secret, "wrong-secret", "", None)), 3))
    how = draw(mostly(st.sampled_from(("basic", "body")),
                      st.sampled_from(("both", "id-only", "none")), 4))
    if how == "none":
        return [], []
    if how == "id-only":
        return [], [("client_id", client_id)]
    if how == "body":
        return [], [("client_id", client_id)] + ([] if secret is None else [("client_secret", secret)])
    variant = draw(mostly(st.just("rfc6749"), st.sampled_from((
        "raw", "no-colon", "percent", "lower-scheme", "no-scheme", "bad-base64", "not-utf8",
        "urlsafe", "unpadded", "spaces")), 3))
    header = [("Authorization", draw(mostly(st.just(Basic(client_id, secret or "", variant)),
                                            st.sampled_from(("Bearer abc", "Basic", "Basic ",
                                                             "Digest x", "")) | TEXT, 9)))]
    body = [("client_secret", secret or "x")] if how == "both" else []
    if how == "both" or draw(st.booleans()):
        body.append(("client_id", client_id))
    return header, body


#: Scopes the app may be granted ("": its registered ones).
GRANTABLE = st.sampled_from(("", "weather:read", "weather:write", "weather:read weather:write"))
SCOPES = mostly(st.sampled_from(("weather:read", "weather:read weather:write", "calendar:read",
                                 "admin", "", " ", "weather:read  weather:write",
                                 "weather:read\tadmin", "weather:readings")), TEXT, 4)
RESOURCES = mostly(st.sampled_from((*API_AUDIENCES, *API_AUDIENCES, JWKS_AUDIENCE,
                                    "https://unknown.example", "https://api.example#x", "not a uri",
                                    "https://[::1", "")), TEXT, 4)
FORM_NAMES = ("grant_type", "client_id", "client_secret", "scope", "resource", "username",
              "password", "code", "redirect_uri", "code_verifier", "refresh_token", "token",
              "token_type_hint", "access_token", "response_type", "state", "code_challenge",
              "code_challenge_method")


@st.composite
def token_request(draw: st.DrawFn, world: HttpWorld, tokens: st.SearchStrategy[Any]) -> Plan:
    """``POST /token`` for one grant type, mostly well-formed, then perturbed."""
    grant = draw(mostly(st.sampled_from(("client_credentials", "password", "authorization_code",
                                         "authorization_code", "refresh_token", "refresh_token")),
                        st.sampled_from(("implicit", "urn:ietf:params:oauth:grant-type:jwt-bearer",
                                         "PASSWORD")) | TEXT))
    pool = {"authorization_code": "code", "refresh_token": "refresh"}.get(grant)
    # Often a fresh code or refresh token, got just before (older ones expire as the clock moves).
    fresh = pool is not None and draw(st.booleans())
    i = -1 if fresh else draw(st.integers(0, POOL_SIZE * 4))
    before = (draw(_login(world)) if pool == "code" else _password_grant(world, draw(
        st.sampled_from(sorted(API_AUDIENCES)))),) if fresh else ()
    fields: list[tuple[str, Any]] = [("grant_type", grant)]
    if grant == "password":
        fields += [("username", draw(mostly(st.sampled_from(("alice", "alice", "bob", "Alice", "")),
                                            TEXT, 4))),
                   ("password", draw(mostly(st.sampled_from((PASSWORD, PASSWORD, "wrong")), TEXT, 4)))]
    elif grant == "authorization_code":
        fields += [("code", draw(mostly(st.just(Live("code", i)), tokens, 3))),
                   ("redirect_uri", draw(mostly(st.just(Live("code", i, "redirect_uri")),
                                                st.sampled_from((*CALLBACKS, SPA_CALLBACK)) | TEXT,
                                                3))),
                   ("code_verifier", draw(mostly(st.just(Live("code", i, "code_verifier")),
                                                 st.sampled_from(VERIFIERS) | TEXT, 3)))]
    elif grant == "refresh_token":
        fields.append(("refresh_token", draw(mostly(st.just(Live("refresh", i)), tokens, 3))))
    if draw(st.booleans()):
        fields.append(("scope", draw(SCOPES)))
    if not rarely(draw, 4):  # with several APIs, a grant must say which one (RFC 8707)
        fields.append(("resource", draw(RESOURCES)))
    header, auth_fields = draw(client_auth(world, pool, i))
    fields = draw(perturbed(fields + auth_fields, mostly(tokens | TEXT, NOT_TEXT, 3), FORM_NAMES))
    return dataclasses.replace(draw(_post(world, "token_endpoint", fields, header)), before=before)


@st.composite
def _login(draw: st.DrawFn, world: HttpWorld) -> Plan:
    """Alice logs in at ``POST /authorize`` for the app or the SPA, with PKCE: a fresh code."""
    client = world.clients[draw(st.sampled_from(("app", "spa")))]
    verifier = draw(st.sampled_from(VERIFIERS))
    form = [("response_type", "code"), ("client_id", client.client_id),
            ("redirect_uri", draw(st.sampled_from(client.redirect_uris))), ("state", "xyz"),
            ("code_challenge", CHALLENGE_OF[verifier]), ("code_challenge_method", S256),
            ("resource", draw(st.sampled_from(sorted(API_AUDIENCES)))), ("username", "alice"),
            ("password", PASSWORD)]
    return Plan("POST", f"{ISSUER}/authorize", None, [("Content-Type", FORM)], form)


def _password_grant(world: HttpWorld, audience: str, scope: str = "") -> Plan:
    """The app gets Alice's tokens for ``audience`` (password grant): fresh access and refresh."""
    app = world.clients["app"]
    assert app.client_secret is not None
    return Plan("POST", f"{ISSUER}/token", None, [
        ("Authorization", Basic(app.client_id, app.client_secret)),
        ("Content-Type", FORM)], [("grant_type", "password"), ("username", "alice"),
                                  ("password", PASSWORD), ("scope", scope),
                                  ("resource", audience)])


@st.composite
def _post(draw: st.DrawFn, world: HttpWorld, endpoint: str, fields: list[tuple[str, Any]],
          header: list[tuple[str, Any]]) -> Plan:
    """A form POST to one of the authorization server's endpoints, with the usual variations:
    fields moved to the query, another Content-Type or method, a body that is not a form."""
    query: list[tuple[str, Any]] | None = None
    if rarely(draw, 10) and fields:  # a credential in the URL: refused and flagged
        k = draw(st.integers(1, len(fields)))
        query, fields = fields[:k], fields[k:]
    headers = [*header, ("Content-Type", draw(CONTENT_TYPES)), *draw(EXTRA_HEADERS)]
    if rarely(draw, 10):
        headers = [h for h in headers if h[0] != "Content-Type"]
    body: Any = fields
    if rarely(draw, 20):
        body = draw(NOT_A_MAPPING | st.none())
    method = "POST" if not rarely(draw, 10) else draw(METHODS)
    return Plan(method, draw(_url(world, endpoint)), query, _headers_form(draw, headers), body,
                draw(st.sampled_from(("dict", "dict", "pairs"))))


def _headers_form(draw: st.DrawFn, headers: list[tuple[str, Any]]) -> Any:
    return headers if not rarely(draw, 30) else draw(NOT_A_MAPPING | st.none())


@st.composite
def _url(draw: st.DrawFn, world: HttpWorld, endpoint: str) -> Any:
    """The endpoint's URL on another host or scheme, with a changed path, or not a URL at all."""
    meta = world.auth.metadata()
    odd_path = st.sampled_from((
        "/", "/TOKEN", "/token/", "//token", "/token;x", "/.well-known/oauth-authorization-server/x",
        "/%74oken", "/jwks.json/..", "/authorize#frag")) | TEXT
    path = draw(mostly(st.just(meta[endpoint].removeprefix(ISSUER)), odd_path, 14)
                if endpoint in meta else odd_path)
    if rarely(draw, 30):
        return draw(NOT_TEXT | st.sampled_from(("", "token", "/token", "https://[::1/token",
                                                "https:///token", "mailto:x")))
    return draw(st.sampled_from(HOSTS)) + path


@st.composite
def revoke_or_introspect(draw: st.DrawFn, world: HttpWorld, tokens: st.SearchStrategy[Any]) -> Plan:
    endpoint = draw(st.sampled_from(("revocation_endpoint", "introspection_endpoint")))
    kind = draw(st.sampled_from(("access", "refresh")))
    fresh = draw(st.booleans())  # Alice's tokens, got just before: still active
    before = (_password_grant(world, draw(st.sampled_from(sorted(API_AUDIENCES))),
                              draw(GRANTABLE)),) if fresh else ()
    i = -1 if fresh else draw(st.integers(0, POOL_SIZE * 4))
    fields: list[tuple[str, Any]] = [("token", draw(mostly(st.just(Live(kind, i)), tokens, 1)))]
    if draw(st.booleans()):
        fields.append(("token_type_hint", draw(st.sampled_from(
            ("access_token", "refresh_token", "id_token", "")) | TEXT)))
    header, auth_fields = draw(client_auth(world, kind, i))
    fields = draw(perturbed(fields + auth_fields, mostly(tokens | TEXT, NOT_TEXT, 3), FORM_NAMES))
    return dataclasses.replace(draw(_post(world, endpoint, fields, header)), before=before)


@st.composite
def authorize_or_discovery(draw: st.DrawFn, world: HttpWorld,
                           tokens: st.SearchStrategy[Any]) -> Plan:
    """The login page (GET and POST /authorize), the metadata and the JWKS, or any path."""
    kind = draw(st.sampled_from(("authorize", "authorize", "authorize", "metadata", "jwks",
                                 "elsewhere")))
    if kind != "authorize":
        endpoint = {"metadata": "metadata", "jwks": "jwks_uri", "elsewhere": "nowhere"}[kind]
        url = (draw(st.sampled_from(HOSTS)) + "/.well-known/oauth-authorization-server"
               if endpoint == "metadata" else draw(_url(world, endpoint)))
        method = "GET" if not rarely(draw, 4) else draw(METHODS)
        query = draw(st.none() | st.lists(st.tuples(TEXT, TEXT | tokens), max_size=2) | TEXT)
        return Plan(method, url, query, _headers_form(draw, draw(EXTRA_HEADERS)),
                    draw(st.none() | st.just([("a", "b")]) | NOT_A_MAPPING))
    clients = world.clients
    client = draw(st.sampled_from(sorted(clients)))
    registered = clients[client].redirect_uris
    challenge = draw(mostly(st.sampled_from(sorted(VERIFIER_OF)), TEXT, 4))
    fields: list[tuple[str, Any]] = [
        ("response_type", draw(mostly(st.just("code"), st.sampled_from(("token", "code id_token",
                                                                        "")) | TEXT, 6))),
        ("client_id", draw(mostly(st.just(clients[client].client_id),
                                  st.sampled_from(("unknown", "")) | TEXT, 9))),
        ("redirect_uri", draw(mostly(st.sampled_from(registered), st.sampled_from(
            (*CALLBACKS, SPA_CALLBACK, "https://evil.example/cb", CALLBACKS[0] + "/", "")), 5))),
        ("state", draw(TEXT)),
        ("code_challenge", challenge),
        ("code_challenge_method", draw(mostly(st.just(S256), st.sampled_from(("plain", "s256", ""))
                                              | TEXT, 6))),
    ]
    if draw(st.booleans()):
        fields.append(("scope", draw(SCOPES)))
    if not rarely(draw, 4):  # with several APIs, a grant must say which one (RFC 8707)
        fields.append(("resource", draw(RESOURCES)))
    login = [("username", draw(mostly(st.sampled_from(("alice", "alice", "bob", "nobody")), TEXT, 4))),
             ("password", draw(mostly(st.sampled_from((PASSWORD, PASSWORD, "wrong")), TEXT, 4)))]
    how = draw(st.sampled_from(("post", "post", "get-no-login", "get-login", "split")))
    fields = draw(perturbed(fields, mostly(TEXT, NOT_TEXT, 3), FORM_NAMES))
    if how == "post":
        query, body, method = None, fields + login, "POST"
    elif how == "get-no-login":
        query, body, method = fields, None, "GET"
    elif how == "get-login":
        query, body, method = fields + login, None, "GET"
    else:
        query, body, method = fields, login, "POST"
    if rarely(draw, 10):
        method = draw(METHODS)
    headers = [("Content-Type", draw(CONTENT_TYPES))] if body is not None else []
    return Plan(method, draw(_url(world, "authorization_endpoint")), query,
                _headers_form(draw, headers + draw(EXTRA_HEADERS)), body)


@st.composite
def api_request(draw: st.DrawFn, world: HttpWorld, tokens: st.SearchStrategy[Any]) -> tuple[
        ResourceServer, str | None, Plan]:
    """A request to one of the APIs: the token in the header, the query, the body, or several;
    and the scope of a token to get for that API first (``None``: none)."""
    api = draw(st.sampled_from(world.apis))
    method, path = draw(mostly(
        st.sampled_from((("GET", "/weather"), ("POST", "/weather"), ("GET", "/me"))),
        st.sampled_from((("PUT", "/weather"), ("GET", "/"), ("GET", "/weather/"), ("GET", "/ME"),
                         ("DELETE", "/me"))), 9))
    if rarely(draw, 20):
        method = draw(METHODS)
    # Mostly the API's own token, often one just granted (clock steps expire the older ones).
    fresh = draw(st.sampled_from(("", "weather:read", "weather:write",
                                  "weather:read weather:write"))) if draw(st.booleans()) else None
    index = st.just(-1) if fresh is not None else st.integers(0, POOL_SIZE * 4)
    token = draw(mostly(st.builds(Live, st.just(f"access@{api.audience}"), index), tokens, 1))
    places = draw(mostly(st.sampled_from((("header",), ("header",), ("query",), ("body",)))
                         if method == "POST" else st.sampled_from((("header",), ("header",),
                                                                   ("query",))),
                         st.sampled_from(((), ("header", "query"), ("header", "body"),
                                          ("query", "body"), ("query", "query"), ("body", "body"),
                                          ("body",))), 6))
    headers: list[tuple[str, Any]] = []
    query: list[tuple[str, Any]] = [("city", draw(TEXT))] if draw(st.booleans()) else []
    body: list[tuple[str, Any]] | None = [("report", draw(TEXT))] if method == "POST" else None
    for place in places:
        if place == "header":
            scheme = draw(mostly(st.sampled_from(("Bearer", "bearer", "BEARER")),
                                 st.sampled_from(("Basic", "DPoP", "Token", "", "Bearer "))))
            headers.append(("Authorization", _Joined(scheme, token)))
        elif place == "query":
            query.append(("access_token", token))
        else:
            body = [*(body or []), ("access_token", token)]
    if body is not None:
        headers.append(("Content-Type", draw(CONTENT_TYPES)))
        if rarely(draw, 20):
            body = draw(NOT_A_MAPPING)
    host = draw(st.sampled_from(API_HOSTS))
    url: Any = host + path if not rarely(draw, 30) else draw(NOT_TEXT | TEXT)
    return api, fresh, Plan(method, url, query or None,
                            _headers_form(draw, headers + draw(EXTRA_HEADERS)), body,
                            draw(st.sampled_from(("dict", "dict", "pairs"))))


@dataclass(frozen=True)
class _Joined:
    """``"<scheme> <token>"`` once the token is resolved (a non-text token stays as it is)."""

    scheme: str
    token: Any


def _resolve_joined(world: HttpWorld, plan: Plan) -> Plan:
    if not isinstance(plan.headers, list):
        return plan
    headers = []
    for name, value in plan.headers:
        if isinstance(value, _Joined):
            token = resolve(world, value.token)
            value = f"{value.scheme} {token}" if isinstance(token, str) else token
        headers.append((name, value))
    return Plan(plan.method, plan.url, plan.query, headers, plan.body, plan.headers_as)


# --- the check ----------------------------------------------------------------------------------


def check_exchange(wire: Wire, receiver: str, request: Request, response: object) -> None:
    """The answer is a well-formed HTTP response, and the wire recorded this very exchange."""
    assert isinstance(response, Response), f"handle() returned {response!r}"
    assert type(response.status) is int and 200 <= response.status <= 599, response.status
    headers = response.headers
    assert not getattr(headers, "invalid", ()), f"header fields that are not text: {headers!r}"
    for name, value in headers.items():
        # RFC 9110 §5.5: a field value never holds CR or LF (a header-injection hole otherwise).
        assert "\r" not in value and "\n" not in value, f"CR/LF in the {name} field: {value!r}"
    if response.status == 401:  # RFC 9110 §11.6.1; RFC 6750 §3
        assert "WWW-Authenticate" in headers, f"a 401 without a challenge: {response!r}"
    if response.status == 405:  # RFC 9110 §15.5.6
        assert "Allow" in headers, f"a 405 without Allow: {response!r}"
    body = response.body
    assert body is None or isinstance(body, dict | str), type(body)
    if isinstance(body, dict):
        json.dumps(body, allow_nan=False)  # RFC 8259 §6: no NaN or Infinity in JSON
        if "access_token" in body or "refresh_token" in body:  # RFC 6749 §5.1
            assert headers.get("Cache-Control") == "no-store", headers
    event = wire.last
    assert event is not None, "nothing recorded on the wire"
    assert event.receiver == receiver and event.status == response.status
    assert event.response_body is body and event.method == str(request.method)
    assert event.url == str(request.url)
    assert event.render() and event.summary() and str(event)


# --- the properties -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world() -> HttpWorld:
    return build_http_world()


@pytest.fixture(scope="module")
def gen() -> Gen:
    return Gen(build_world())


CLOCK_STEPS = st.sampled_from((0, 0, 0, 0, 0, 0, 1, 30, 61, 299, 301, 3600))


def send_to_auth(world: HttpWorld, plan: Plan, step: int) -> Response:
    world.clock.advance(step)
    for first in plan.before:
        status = send_to_auth(world, first, 0).status
        assert status in (200, 302), f"the well-formed {first!r} got {status}"
    world.auth.wire.clear()
    request, sent = plan.request(world)
    response = world.auth.handle(request)
    check_exchange(world.auth.wire, "auth server", request, response)
    world.harvest(response, sent)
    return response


def send_to_api(world: HttpWorld, api: ResourceServer, fresh: str | None, plan: Plan,
                step: int) -> Response:
    world.clock.advance(step)
    if fresh is not None:  # the client gets a token for this API first, over HTTP too
        app = world.clients["app"]
        assert app.client_secret is not None
        grant = Plan("POST", f"{ISSUER}/token", None, [
            ("Authorization", Basic(app.client_id, app.client_secret)),
            ("Content-Type", FORM)], [("grant_type", "client_credentials"), ("scope", fresh),
                                      ("resource", api.audience)])
        assert send_to_auth(world, grant, 0).status == 200
    api.wire.clear()
    request, _ = _resolve_joined(world, plan).request(world)
    response = api.handle(request)
    check_exchange(api.wire, "api", request, response)
    return response


def fuzz(name: str, strategy: st.SearchStrategy[Any], send: Callable[[Any], Response],
         n: int, *must_see: int) -> None:
    """``send`` on ``n`` examples (at least), and among the answers every status in
    ``must_see``: a fuzz that never gets a grant through has not tested the grants."""
    statuses: Counter[int] = Counter()

    @fuzz_settings(n)
    @given(strategy)
    def run(case: Any) -> None:
        statuses[send(case).status] += 1

    start = time.perf_counter()
    run()
    print(f"\nfuzz http {name}: {statuses.total():,} requests in {time.perf_counter() - start:.1f} s;"
          f" statuses {dict(sorted(statuses.items()))}")
    assert statuses.total() >= n
    assert set(must_see) <= set(statuses), f"never answered {set(must_see) - set(statuses)}"


def test_rfc6749_5_2_token_endpoint_answers_every_request(world: HttpWorld, gen: Gen) -> None:
    """``POST /token``, every grant type: an HTTP answer for everything, some grants succeed."""
    fuzz("token", st.tuples(token_request(world, token_values(world, gen)), CLOCK_STEPS),
         lambda case: send_to_auth(world, *case), examples(3_000), 200, 400, 401)


def test_rfc7009_rfc7662_revoke_and_introspect_answer_every_request(world: HttpWorld,
                                                                    gen: Gen) -> None:
    """``POST /revoke`` and ``POST /introspect`` with every kind of token, including tokens the
    server signed with an ``exp`` beyond float range (RFC 7009 §2.2: an invalid token is still
    a 200; RFC 7662 §2.2: ``{"active": false}``)."""
    fuzz("revoke/introspect",
         st.tuples(revoke_or_introspect(world, token_values(world, gen)), CLOCK_STEPS),
         lambda case: send_to_auth(world, *case), examples(2_500), 200, 400, 401)


def test_rfc6749_3_1_authorize_and_discovery_answer_every_request(world: HttpWorld,
                                                                  gen: Gen) -> None:
    """``GET``/``POST /authorize``, the metadata, the JWKS and unknown paths."""
    fuzz("authorize/discovery",
         st.tuples(authorize_or_discovery(world, token_values(world, gen)), CLOCK_STEPS),
         lambda case: send_to_auth(world, *case), examples(2_000), 200, 302, 400, 404)


def test_rfc6750_3_resource_servers_answer_every_request(world: HttpWorld, gen: Gen) -> None:
    """``/weather`` and ``/me`` at APIs in every revocation mode, the token sent every way."""
    fuzz("api", st.tuples(api_request(world, token_values(world, gen)), CLOCK_STEPS),
         lambda case: send_to_api(world, *case[0], case[1]), examples(3_000), 200, 400, 401, 403)


def test_rfc6749_5_2_a_fault_inside_the_server_is_not_the_clients_invalid_request(
        auth: AuthServer, app: RegisteredClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """RFC 6749 §5.2: ``invalid_request`` says "The request is missing a required parameter,
    includes an unsupported parameter value ..., or is otherwise malformed" — a fault of the
    request. A fault inside the server is not one: it must not come back as a 400
    ``malformed request: <Python's own message>`` that blames the client, shows it the server's
    internals, and would hide the fault from the fuzz above. It surfaces as what it is."""
    assert app.client_secret is not None

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("an internal invariant of the server broke")

    monkeypatch.setattr(ClientCredentialsGrant, "issue", broken)
    request = Request.post(f"{ISSUER}/token", {"grant_type": "client_credentials"},
                           {"Authorization": basic_authorization(app.client_id, app.client_secret)})
    with pytest.raises(ValueError, match="internal invariant"):
        auth.handle(request)
