"""Token introspection (RFC 7662) and the API mode that relies on it."""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Callable

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwt.utils import base64url_encode

from tokenlab import (
    AuthServer,
    ExpiredTokenError,
    InvalidClientError,
    NotYetValidError,
    RegisteredClient,
    ResourceServer,
    RevokedTokenError,
    SimClock,
    TokenError,
    TokenResponse,
)

from ..conftest import API, ISSUER, PASSWORD, Forge, rt

ACTIVE_KEYS = {"active", "scope", "client_id", "sub", "exp", "iat", "iss", "aud", "jti",
               "token_type"}


@pytest.fixture
def login(auth: AuthServer, app: RegisteredClient, api: ResourceServer) -> TokenResponse:
    auth.register_user("alice", PASSWORD)
    return auth.password_grant(app.client_id, app.client_secret, "alice", PASSWORD,
                               scope="weather:read")



@pytest.mark.parametrize("secret", [None, "", "wrong"])
def test_rfc7662_2_1_the_caller_must_authenticate(
        auth: AuthServer, app: RegisteredClient, login: TokenResponse,
        secret: str | None) -> None:
    for token in (login.access_token, rt(login)):
        with pytest.raises(InvalidClientError) as ei:
            auth.introspect(token, app.client_id, secret)
        assert (ei.value.error, ei.value.status) == ("invalid_client", 401)
    with pytest.raises(InvalidClientError):
        auth.introspect(login.access_token, "nobody", app.client_secret)


def test_rfc7662_2_1_a_public_client_cannot_introspect(
        auth: AuthServer, login: TokenResponse) -> None:
    spa = auth.register_client("spa", ["weather:read"], public=True,
                               redirect_uris=["https://spa.example/cb"])
    with pytest.raises(InvalidClientError, match="client authentication"):
        auth.introspect(login.access_token, spa.client_id, None)


def test_rfc7662_2_2_active_access_token_has_exactly_the_standard_keys(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, login: TokenResponse,
        clock: SimClock) -> None:
    facts = auth.introspect(login.access_token, app.client_id, app.client_secret)
    assert set(facts) == ACTIVE_KEYS
    claims = api.verify(login.access_token)
    now = int(clock.time())
    assert facts == {
        "active": True, "scope": "weather:read", "client_id": app.client_id, "sub": "alice",
        "exp": now + 300, "iat": now, "iss": ISSUER, "aud": API, "jti": claims["jti"],
        "token_type": "Bearer",
    }
    clock.advance(299)  # one second before exp: still active
    assert auth.introspect(login.access_token, app.client_id, app.client_secret)["active"]


def test_rfc7662_2_2_active_refresh_token_has_exactly_the_standard_keys(
        auth: AuthServer, app: RegisteredClient, login: TokenResponse, clock: SimClock) -> None:
    issued = int(clock.time())
    clock.advance(100)
    facts = auth.introspect(rt(login), app.client_id, app.client_secret)
    assert set(facts) == ACTIVE_KEYS
    assert facts["active"] is True and facts["token_type"] == "refresh_token"
    assert (facts["sub"], facts["client_id"], facts["scope"]) == ("alice", app.client_id,
                                                                 "weather:read")
    assert (facts["iat"], facts["exp"]) == (issued, issued + auth.refresh_ttl)
    assert (facts["iss"], facts["aud"]) == (ISSUER, API)
    assert isinstance(facts["jti"], str) and facts["jti"] not in rt(login)


def test_rfc7662_2_2_introspection_only_reads(
        auth: AuthServer, app: RegisteredClient, login: TokenResponse) -> None:
    before = copy.deepcopy(auth.store._kinds)
    for token in (login.access_token, rt(login), "junk"):
        auth.introspect(token, app.client_id, app.client_secret)
    assert auth.store._kinds == before
    assert auth.refresh(rt(login), app.client_id, app.client_secret).access_token


Inactive = Callable[[AuthServer, RegisteredClient, TokenResponse, SimClock, Forge], str]


def _expired_access(auth: AuthServer, app: RegisteredClient, t: TokenResponse, clock: SimClock,
                    forge: Forge) -> str:
    clock.advance(300)  # exactly exp: on or after is expired (RFC 7519 §4.1.4)
    return t.access_token


def _revoked_access(auth: AuthServer, app: RegisteredClient, t: TokenResponse, clock: SimClock,
                    forge: Forge) -> str:
    auth.revoke(t.access_token, app.client_id, app.client_secret)
    return t.access_token


def _family_revoked_access(auth: AuthServer, app: RegisteredClient, t: TokenResponse,
                           clock: SimClock, forge: Forge) -> str:
    auth.revoke(rt(t), app.client_id, app.client_secret)
    return t.access_token


def _spent_refresh(auth: AuthServer, app: RegisteredClient, t: TokenResponse, clock: SimClock,
                   forge: Forge) -> str:
    auth.refresh(rt(t), app.client_id, app.client_secret)
    return rt(t)


def _revoked_refresh(auth: AuthServer, app: RegisteredClient, t: TokenResponse, clock: SimClock,
                     forge: Forge) -> str:
    auth.revoke(rt(t), app.client_id, app.client_secret)
    return rt(t)


def _expired_refresh(auth: AuthServer, app: RegisteredClient, t: TokenResponse, clock: SimClock,
                     forge: Forge) -> str:
    clock.advance(auth.refresh_ttl)
    return rt(t)


def _foreign(auth: AuthServer, app: RegisteredClient, t: TokenResponse, clock: SimClock,
             forge: Forge) -> str:
    other = AuthServer(ISSUER, clock=clock, seed=2)
    o = other.register_client("weather-app", ["weather:read"])
    ResourceServer(API, other)
    return other.client_credentials(o.client_id, o.client_secret).access_token


def _const(token: str) -> Inactive:
    return lambda auth, app, t, clock, forge: token


def _forged(**kw: object) -> Inactive:
    return lambda auth, app, t, clock, forge: forge(**kw)


INACTIVE: dict[str, Inactive] = {
    "expired access token": _expired_access,
    "revoked access token": _revoked_access,
    "access token of a revoked family": _family_revoked_access,
    "spent refresh token": _spent_refresh,
    "revoked refresh token": _revoked_refresh,
    "expired refresh token": _expired_refresh,
    "unknown": _const("never-issued"),
    "malformed": _const("a.b.c"),
    "unsigned": _const("eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.eyJzdWIiOiJhbGljZSJ9."),
    "another server's token": _foreign,
    "an ID token (typ JWT)": _forged(header={"typ": "JWT"}),
    "another issuer": _forged(iss="https://evil.example"),
    "not yet valid": lambda auth, app, t, clock, forge: forge(nbf=int(clock.time()) + 60),
    "no aud": _forged(drop=("aud",)),
    "nbf not a time": _forged(nbf="soon"),
    "exp not finite": _forged(exp=float("nan")),
    "iat not a time": _forged(iat="yesterday"),
    "unknown kid": _forged(header={"kid": "nope"}),
}


@pytest.mark.parametrize("make", INACTIVE.values(), ids=INACTIVE.keys())
def test_rfc7662_2_2_anything_not_active_is_exactly_active_false(
        auth: AuthServer, app: RegisteredClient, login: TokenResponse, clock: SimClock,
        forge: Forge, make: Inactive) -> None:
    token = make(auth, app, login, clock, forge)
    assert auth.introspect(token, app.client_id, app.client_secret) == {"active": False}


def test_rfc7662_2_2_a_forged_baseline_token_is_active(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, forge: Forge,
        clock: SimClock) -> None:
    """The forger above is the real key: its unchanged token is active, so each inactive case
    really tests the one change it makes."""
    facts = auth.introspect(forge(), app.client_id, app.client_secret)
    assert facts["active"] is True and facts["jti"] == "jti-1"


# -- the API's "introspect" revocation mode -------------------------------------------------------


def test_rfc7662_revocation_mode_introspect_asks_on_every_request_without_cache(
        auth: AuthServer, app: RegisteredClient, login: TokenResponse) -> None:
    api = ResourceServer(API, auth, revocation="introspect")
    for n in range(1, 4):
        assert api.verify(login.access_token)
        assert api.introspection_calls == n
    auth.revoke(login.access_token, app.client_id, app.client_secret)
    with pytest.raises(RevokedTokenError, match="introspection"):
        api.verify(login.access_token)
    assert api.introspection_calls == 4


def test_rfc7662_revocation_mode_introspect_cache_delays_revocation(
        auth: AuthServer, app: RegisteredClient, login: TokenResponse, clock: SimClock) -> None:
    """A cached "active" answer outlives a revocation until the cache entry expires: the price
    of fewer calls (RFC 7662 §4 warns about caching)."""
    api = ResourceServer(API, auth, revocation="introspect", introspection_cache_ttl=60)
    assert api.verify(login.access_token) and api.introspection_calls == 1
    clock.advance(10)
    auth.revoke(login.access_token, app.client_id, app.client_secret)
    clock.advance(49)  # 59 s after the answer: still served from the cache
    assert api.verify(login.access_token)["sub"] == "alice"
    assert api.introspection_calls == 1
    clock.advance(1)  # 60 s: the entry expired, the API asks again and learns
    with pytest.raises(RevokedTokenError):
        api.verify(login.access_token)
    assert api.introspection_calls == 2
    with pytest.raises(RevokedTokenError):  # and the negative answer is cached too
        api.verify(login.access_token)
    assert api.introspection_calls == 2


def test_rfc7662_revocation_mode_introspect_never_asks_about_a_locally_invalid_token(
        auth: AuthServer, login: TokenResponse, clock: SimClock) -> None:
    api = ResourceServer(API, auth, revocation="introspect", introspection_cache_ttl=600)
    assert api.verify(login.access_token)
    clock.advance(300)
    with pytest.raises(ExpiredTokenError):  # the cache never stretches a token's life
        api.verify(login.access_token)
    with pytest.raises(TokenError):
        api.verify("a.b.c")
    assert api.introspection_calls == 1


# -- one validity check: introspection and the APIs cannot disagree (RFC 7662 §2.2) ---------------

OTHER_API = "https://other-api.example"


def _hand_made_header(forge: Forge, header: dict[str, object]) -> str:
    """The forger's payload and signature under a header written by hand (PyJWT drops some
    parameters when encoding); the signature then no longer matches, but the header rule
    must refuse the token first."""
    _, payload, sig = forge().split(".")
    raw = json.dumps(header, separators=(",", ":")).encode()
    return f"{base64url_encode(raw).decode()}.{payload}.{sig}"


def _kid(auth: AuthServer) -> str:
    return auth.keys.current.kid


Refused = Callable[[AuthServer, SimClock, Forge], str]


def _dropping(claim: str) -> Refused:
    return lambda a, c, f: f(drop=(claim,))

#: One token per rule the API enforces, each signed by the authorization server's real key
#: (the scenario: a bug or a hand-made token at the issuer) unless the rule is about the key.
REFUSED_BY_EVERY_API: dict[str, Refused] = {
    "jku header": lambda a, c, f: f(header={"jku": "https://evil.example/keys"}),
    "jwk header": lambda a, c, f: f(header={"jwk": {"kty": "OKP"}}),
    "x5u header": lambda a, c, f: f(header={"x5u": "https://evil.example/cert"}),
    "x5c header": lambda a, c, f: f(header={"x5c": ["MIIB"]}),
    "crit b64": lambda a, c, f: _hand_made_header(f, {"alg": "EdDSA", "kid": _kid(a),
                                                      "typ": "at+jwt", "crit": ["b64"],
                                                      "b64": True}),
    "crit exp": lambda a, c, f: f(header={"crit": ["exp"]}),
    "typ JWT": lambda a, c, f: f(header={"typ": "JWT"}),
    "typ missing": lambda a, c, f: f(drop_header=("typ",)),
    "typ not a string": lambda a, c, f: f(header={"typ": 1}),
    "kid missing": lambda a, c, f: f(drop_header=("kid",)),
    "kid empty": lambda a, c, f: f(header={"kid": ""}),
    "alg confusion HS256 with the public key": lambda a, c, f: f(
        key=a.keys.current._private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw), algorithm="HS256"),
    "another key": lambda a, c, f: f(key=ed25519.Ed25519PrivateKey.generate()),
    "padded with ==": lambda a, c, f: f() + "==",
    "padded header": lambda a, c, f: "{}==.{}.{}".format(*f().split(".")),
    "longer than any API reads": lambda a, c, f: f(note="x" * 20_000),
    **{f"no {claim}": _dropping(claim)
       for claim in ("iss", "exp", "aud", "sub", "client_id", "iat", "jti")},
    "sub not a string": lambda a, c, f: f(sub=7),
    "sub empty": lambda a, c, f: f(sub=""),
    "jti not a string": lambda a, c, f: f(jti=["j"]),
    "jti empty": lambda a, c, f: f(jti=""),
    "client_id empty": lambda a, c, f: f(client_id=""),
    "client_id not a string": lambda a, c, f: f(client_id={"id": 1}),
    "iss with a trailing slash": lambda a, c, f: f(iss=ISSUER + "/"),
    "iss not a string": lambda a, c, f: _server_signed(a, {"typ": "at+jwt"}, {
        "iss": 1, "sub": "alice", "aud": API, "exp": int(c.time()) + 300, "iat": int(c.time()),
        "jti": "jti-1", "client_id": "weather-app"}),
    "aud an unregistered API": lambda a, c, f: f(aud="https://evil.example"),
    "aud empty list": lambda a, c, f: f(aud=[]),
    "aud with a non-string": lambda a, c, f: f(aud=[API, 3]),
    "exp a string": lambda a, c, f: f(exp="tomorrow"),
    "exp a bool": lambda a, c, f: f(exp=True),
    "exp infinite": lambda a, c, f: f(exp=float("inf")),
    "exp beyond float range": lambda a, c, f: f(exp=10**400),
    "exp now": lambda a, c, f: f(exp=int(c.time())),
    "iat in the future": lambda a, c, f: f(iat=int(c.time()) + 1),
    "iat None": lambda a, c, f: f(iat=None),
    "nbf in the future": lambda a, c, f: f(nbf=int(c.time()) + 1),
    "nbf a list": lambda a, c, f: f(nbf=[1]),
    "scope a list": lambda a, c, f: f(scope=["weather:read"]),
    "scope a number": lambda a, c, f: f(scope=1),
}


@pytest.mark.parametrize("make", REFUSED_BY_EVERY_API.values(), ids=REFUSED_BY_EVERY_API.keys())
def test_rfc7662_2_2_a_token_every_api_refuses_is_not_active(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, clock: SimClock,
        forge: Forge, make: Refused) -> None:
    """RFC 7662 §2.2: ``active`` — "whether or not the presented token is currently active";
    a token no API of this server would accept is not."""
    other = ResourceServer(OTHER_API, auth)
    token = make(auth, clock, forge)
    for server in (api, other):
        with pytest.raises(TokenError):
            server.verify(token)
    assert auth.introspect(token, app.client_id, app.client_secret) == {"active": False}


ACCEPTED_BY_AN_API: dict[str, Refused] = {
    "baseline": lambda a, c, f: f(),
    "aud the other API": lambda a, c, f: f(aud=OTHER_API),
    "aud a list with an unknown API": lambda a, c, f: f(aud=["https://evil.example", API]),
    "typ application/at+jwt": lambda a, c, f: f(header={"typ": "application/AT+JWT"}),
    "nbf now": lambda a, c, f: f(nbf=int(c.time())),
    "exp one second ahead": lambda a, c, f: f(exp=int(c.time()) + 1),
    "exp a float": lambda a, c, f: f(exp=c.time() + 0.5),
    "no scope": lambda a, c, f: f(drop=("scope",)),
}


@pytest.mark.parametrize("make", ACCEPTED_BY_AN_API.values(), ids=ACCEPTED_BY_AN_API.keys())
def test_rfc7662_2_2_a_token_an_api_accepts_is_active(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, clock: SimClock,
        forge: Forge, make: Refused) -> None:
    other = ResourceServer(OTHER_API, auth)
    token = make(auth, clock, forge)
    accepted = []
    for server in (api, other):
        with contextlib.suppress(TokenError):
            accepted.append(server.verify(token))
    assert accepted, "the case must be a token some API accepts"
    facts = auth.introspect(token, app.client_id, app.client_secret)
    assert facts["active"] is True and facts["jti"] == "jti-1"


_ODD: list[object] = ["", "x", 0, -1, 1.5, True, None, [], ["x"], {"a": 1}, float("nan"),
                      10**400, ISSUER, API, OTHER_API, [API], [OTHER_API, "https://x"],
                      "weather:read"]
_CLAIMS = ("iss", "sub", "aud", "exp", "nbf", "iat", "jti", "client_id", "scope")
_ABSENT = object()


def _server_signed(auth: AuthServer, header: dict[str, object], body: dict[str, object]) -> str:
    """A token signed with the issuer's real key, header and payload exactly as given (PyJWT's
    ``jwt.encode`` refuses some odd claims, so the payload is signed as raw JSON)."""
    key = auth.keys.current
    payload = json.dumps(body).encode()
    return jwt.PyJWS().encode(payload, key._private, algorithm=key.algorithm,
                              headers={"kid": key.kid, **header})


def _claim_value(name: str) -> st.SearchStrategy[object]:
    """Plausible and odd values; times as offsets from now so both sides of every bound occur."""
    offsets = st.integers(-400, 400).map(lambda d: ("now", d))
    return st.one_of(st.just(_ABSENT), st.sampled_from(_ODD),
                     offsets if name in ("exp", "nbf", "iat") else st.nothing())


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.fixed_dictionaries({}, optional={n: _claim_value(n) for n in _CLAIMS}),
       typ=st.sampled_from([_ABSENT, "at+jwt", "AT+JWT", "application/at+jwt", "JWT", "", 1]),
       extra=st.sampled_from([{}, {"jku": "https://x"}, {"x5c": []}, {"cty": "JWT"},
                              {"kid": "nope"}, {"zip": "DEF"}, {"crit": ["exp"]}]),
       padding=st.sampled_from(["", "=", "=="]))
def test_rfc7662_2_2_introspection_and_the_apis_never_disagree(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, clock: SimClock,
        changes: dict[str, object], typ: object, extra: dict[str, object],
        padding: str) -> None:
    """Property: over mutated server-signed tokens, introspection says active exactly when an
    API of this server (leeway 0, no revocation) accepts the token."""
    apis = [ResourceServer(API, auth, revocation="none"),
            ResourceServer(OTHER_API, auth, revocation="none")]
    now = int(clock.time())
    body: dict[str, object] = {"iss": ISSUER, "sub": "alice", "aud": API, "exp": now + 300,
                               "iat": now, "jti": "jti-1", "client_id": "weather-app",
                               "scope": "weather:read"}
    for name, value in changes.items():
        if value is _ABSENT:
            body.pop(name, None)
        else:
            body[name] = now + value[1] if isinstance(value, tuple) else value
    header = {**extra, "typ": typ} if typ is not _ABSENT else {**extra, "typ": None}
    token = _server_signed(auth, header, body) + padding
    accepted = False
    for server in apis:
        try:
            server.verify(token)
            accepted = True
        except TokenError:
            pass
    facts = auth.introspect(token, app.client_id, app.client_secret)
    assert facts["active"] is accepted
    if not accepted:
        assert facts == {"active": False}


def test_rfc7662_2_2_introspect_mode_an_expired_token_inside_the_api_leeway_is_expired_not_revoked(
        auth: AuthServer, app: RegisteredClient, login: TokenResponse, clock: SimClock) -> None:
    """The API (leeway 30 s) still accepts the token 10 s after exp; the authorization server
    (leeway 0) says it is not active. The API must say why it refuses: the token expired —
    calling it "revoked" would send the learner hunting for a logout that never happened."""
    lenient = ResourceServer(API, auth, leeway=30, revocation="introspect")
    assert lenient.verify(login.access_token)
    clock.advance(310)
    with pytest.raises(ExpiredTokenError) as ei:
        lenient.verify(login.access_token)
    err = ei.value
    assert not isinstance(err, RevokedTokenError) and "revoked" not in str(err)
    assert "expired 10 s ago, at 2030-01-01 00:05:00 UTC" in str(err)
    assert "authorization server" in str(err) and "no longer" in str(err)
    assert (err.exp, err.now, err.leeway) == (clock.time() - 10, clock.time(), 30)
    assert lenient.introspection_calls == 2
    assert err.report is not None and "revoked" not in str(err.report)


def test_rfc7662_2_2_introspect_mode_a_revoked_token_before_exp_is_still_revoked(
        auth: AuthServer, app: RegisteredClient, login: TokenResponse) -> None:
    lenient = ResourceServer(API, auth, leeway=30, revocation="introspect")
    auth.revoke(login.access_token, app.client_id, app.client_secret)
    with pytest.raises(RevokedTokenError, match="no longer active"):
        lenient.verify(login.access_token)


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_rfc7662_2_2_introspect_mode_a_not_yet_valid_token_inside_the_api_leeway_is_not_yet_valid(
        auth: AuthServer, api: ResourceServer, clock: SimClock, forge: Forge,
        claim: str) -> None:
    """The same for the other end of the lifetime: 3 s before nbf (or iat 3 s ahead) the API's
    5 s leeway accepts the token, the authorization server does not — not a revocation."""
    lenient = ResourceServer(API, auth, leeway=5, revocation="introspect")
    token = forge(**{claim: int(clock.time()) + 3})
    with pytest.raises(NotYetValidError) as ei:
        lenient.verify(token)
    assert ei.value.claim == claim and "revoked" not in str(ei.value)
    assert "authorization server" in str(ei.value) and lenient.introspection_calls == 1
    clock.advance(3)
    assert lenient.verify(token)["jti"] == "jti-1"
