"""Bad input to every public entry point: a clear error, and no change of state.

"Clear" means: the exception is exactly the documented class (``ValueError``/``TypeError`` for a
programming mistake, a :class:`TokenError` subclass with its RFC 6749 ``error`` code for a request
an OAuth server would refuse), and its message names the offending value or parameter — never a
raw message from Python's internals such as "'int' object is not iterable".

"No change of state" is checked the strongest way: two servers with the same seed, bad calls on
one only, then the same good calls on both must give identical client ids, secrets and tokens.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from tokenlab import (
    AuthServer,
    InvalidClientError,
    InvalidRequestError,
    InvalidScopeError,
    InvalidTargetError,
    RegisteredClient,
    ResourceServer,
    SimClock,
    TokenError,
    UnauthorizedClientError,
    VerifierPolicy,
)

ISSUER = "https://auth.example"
API = "https://api.example"
SEED = "bad-input"
NAN, INF = float("nan"), float("inf")

#: Messages that come straight from Python or a library, not from tokenlab: a message that
#: *starts* like one of these was not written for the user (a tokenlab message may quote one
#: after saying what is wrong).
RAW_MESSAGES = re.compile(
    r"'?\w+'? object (is not|has no)|int too large to convert|Invalid IPv6 URL|unhashable type"
    r"|'\S+' not supported between instances|'\w+' codec can't|\w+\(\) takes|invalid literal"
    r"|timestamp out of range|year -?\d+ is out of range|kty is not found|Invalid key parameter"
    r"|Not an? \w+ key|cannot convert float|An Ed25519 public key"
)


def expect(exc_type: type[Exception], call: Callable[[], object], *facts: str) -> Exception:
    """``call()`` raises exactly ``exc_type``, with a message naming every fact, and no raw
    Python message. Returns the exception."""
    try:
        call()
    except Exception as exc:  # checked below: exactly the class asked for
        message = str(exc)
        assert type(exc) is exc_type, (
            f"expected {exc_type.__name__}, got {type(exc).__name__}: {message}"
        )
        for fact in facts:
            assert fact in message, f"{fact!r} not in the message {message!r}"
        assert not RAW_MESSAGES.match(message), f"a raw Python message: {message!r}"
        return exc
    pytest.fail(f"no exception; expected {exc_type.__name__}")


def expect_oauth(exc_type: type[TokenError], code: str, status: int, call: Callable[[], object],
                 *facts: str) -> TokenError:
    exc = expect(exc_type, call, *facts)
    assert isinstance(exc, TokenError)
    assert (exc.error, exc.status) == (code, status)
    assert exc.to_dict() == {"error": code, "error_description": str(exc)}
    return exc


@dataclass
class Site:
    clock: SimClock
    auth: AuthServer
    app: RegisteredClient  # confidential: weather:read weather:write
    other: RegisteredClient  # confidential: calendar:read
    spa: RegisteredClient  # public
    api: ResourceServer


def make_site() -> Site:
    clock = SimClock()
    auth = AuthServer(issuer=ISSUER, clock=clock, seed=SEED)
    app = auth.register_client("weather-app", scopes=["weather:read", "weather:write"])
    other = auth.register_client("calendar-app", scopes=["calendar:read"])
    spa = auth.register_client("spa", scopes=["weather:read"], public=True,
                               redirect_uris=["https://spa.example/callback"])
    api = ResourceServer(audience=API, auth=auth)
    return Site(clock, auth, app, other, spa, api)


@pytest.fixture
def site() -> Site:
    return make_site()


# --- SimClock ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("seconds", "exc_type", "fact"), [
    pytest.param(-1, ValueError, "-1", id="negative"),
    pytest.param(-0.5, ValueError, "-0.5", id="negative-fraction"),
    pytest.param(NAN, ValueError, "nan", id="nan"),
    pytest.param(INF, ValueError, "inf", id="inf"),
    pytest.param(-INF, ValueError, "inf", id="-inf"),
    pytest.param("5", TypeError, "str", id="str"),
    pytest.param(None, TypeError, "NoneType", id="None"),
    pytest.param(True, TypeError, "bool", id="bool"),
    pytest.param([1], TypeError, "list", id="list"),
    pytest.param(10**400, ValueError, "seconds", id="int-beyond-float"),
])
def test_simclock_advance_bad(seconds: Any, exc_type: type[Exception], fact: str) -> None:
    clock = SimClock()
    before = clock.time()
    expect(exc_type, lambda: clock.advance(seconds), fact)
    assert clock.time() == before


def test_simclock_advance_never_reaches_infinity() -> None:
    """Two advances that are each finite must not leave the clock at inf (nor off the calendar):
    a token issued then would have ``iat = floor(inf)``."""
    clock = SimClock()
    for _ in range(2):
        with contextlib.suppress(ValueError):
            clock.advance(1e308)
    assert math.isfinite(clock.time())
    clock.now()  # still a datetime


@pytest.mark.parametrize(("start", "exc_type", "fact"), [
    pytest.param(datetime(2030, 1, 1), ValueError, "timezone-aware", id="naive-datetime"),
    pytest.param("2030-01-01", TypeError, "str", id="str"),
    pytest.param(True, TypeError, "bool", id="bool"),
    pytest.param(NAN, ValueError, "start", id="nan"),
    pytest.param(INF, ValueError, "start", id="inf"),
    pytest.param(10**400, ValueError, "start", id="int-beyond-float"),
    pytest.param(1e300, ValueError, "start", id="beyond-the-calendar"),
])
def test_simclock_start_bad(start: Any, exc_type: type[Exception], fact: str) -> None:
    expect(exc_type, lambda: SimClock(start), fact)


def test_simclock_good_starts() -> None:
    assert SimClock(datetime(2030, 1, 1, tzinfo=UTC)).time() == SimClock().time()
    assert SimClock(0).now() == datetime(1970, 1, 1, tzinfo=UTC)


# --- AuthServer(...) ----------------------------------------------------------------------------


@pytest.mark.parametrize(("issuer", "exc_type", "fact"), [
    pytest.param("http://auth.example", ValueError, "'http://auth.example'", id="http-not-local"),
    pytest.param("ftp://auth.example", ValueError, "'ftp://auth.example'", id="ftp"),
    pytest.param("auth.example", ValueError, "'auth.example'", id="no-scheme"),
    pytest.param("https://auth.example?tenant=1", ValueError, "?tenant=1", id="query"),
    pytest.param("https://auth.example/?", ValueError, "/?", id="empty-query"),
    pytest.param("https://auth.example#top", ValueError, "#top", id="fragment"),
    pytest.param("https://auth.example/#", ValueError, "/#", id="empty-fragment"),
    pytest.param("https://", ValueError, "'https://'", id="no-host"),
    pytest.param("", ValueError, "''", id="empty"),
    pytest.param("https://[auth.example", ValueError, "https://[auth.example", id="bad-ipv6"),
    pytest.param(None, TypeError, "NoneType", id="None"),
    pytest.param(5, TypeError, "int", id="int"),
    pytest.param(b"https://auth.example", TypeError, "bytes", id="bytes"),
])
def test_authserver_bad_issuer(issuer: Any, exc_type: type[Exception], fact: str) -> None:
    exc = expect(exc_type, lambda: AuthServer(issuer=issuer, seed=1), fact)
    assert "issuer" in str(exc)


@pytest.mark.parametrize("issuer", ["http://localhost:8000", "http://127.0.0.1", "https://a.example/t/1"])
def test_authserver_good_issuers(issuer: str) -> None:
    assert AuthServer(issuer=issuer, clock=SimClock(), seed=1).issuer == issuer


@pytest.mark.parametrize("algorithm", ["none", "HS512", "PS256", "eddsa", "", None, 5, ["EdDSA"]],
                         ids=repr)
def test_authserver_bad_algorithm(algorithm: Any) -> None:
    expect(ValueError, lambda: AuthServer(issuer=ISSUER, seed=1, algorithm=algorithm),
           "algorithm", repr(algorithm), "EdDSA, ES256, RS256, HS256")


@pytest.mark.parametrize(("ttl", "exc_type", "fact"), [
    pytest.param(0, ValueError, "got 0", id="zero"),
    pytest.param(-1, ValueError, "got -1", id="negative"),
    pytest.param(1.5, ValueError, "got 1.5", id="fraction"),
    pytest.param(NAN, ValueError, "got nan", id="nan"),
    pytest.param(INF, ValueError, "got inf", id="inf"),
    pytest.param("300", TypeError, "not str", id="str"),
    pytest.param(True, TypeError, "not bool", id="bool"),
    pytest.param(None, TypeError, "not NoneType", id="None"),
    pytest.param(10**400, ValueError, "access_ttl", id="int-beyond-float"),
])
def test_authserver_bad_access_ttl(ttl: Any, exc_type: type[Exception], fact: str) -> None:
    expect(exc_type, lambda: AuthServer(issuer=ISSUER, seed=1, access_ttl=ttl),
           "access_ttl", fact)


@pytest.mark.parametrize("name", ["access_ttl", "refresh_ttl", "code_ttl"])
def test_authserver_every_ttl_is_named(name: str) -> None:
    expect(ValueError, lambda: AuthServer(issuer=ISSUER, seed=1, **{name: 0}), name)


@pytest.mark.parametrize(("seed", "fact"), [(1.5, "float"), (True, "bool"), (b"1", "bytes"),
                                            ([1], "list")], ids=repr)
def test_authserver_bad_seed(seed: Any, fact: str) -> None:
    expect(TypeError, lambda: AuthServer(issuer=ISSUER, seed=seed), "seed", fact)


@pytest.mark.parametrize("clock", ["2030-01-01", 5, object()], ids=lambda c: type(c).__name__)
def test_authserver_bad_clock(clock: Any) -> None:
    expect(TypeError, lambda: AuthServer(issuer=ISSUER, seed=1, clock=clock), "clock")


# --- register_client ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "   ", None, 5], ids=repr)
def test_register_client_bad_name(site: Site, name: Any) -> None:
    n = len(site.auth.clients)
    expect(ValueError, lambda: site.auth.register_client(name, scopes=["weather:read"]), "name")
    assert len(site.auth.clients) == n


@pytest.mark.parametrize(("scopes", "exc_type", "facts"), [
    pytest.param([5], TypeError, ("scopes",), id="int-item"),
    pytest.param(["weather:read", None], TypeError, ("scopes",), id="None-item"),
    pytest.param([b"weather:read"], TypeError, ("scopes",), id="bytes-item"),
    pytest.param(None, TypeError, ("scopes",), id="None"),
    pytest.param(5, TypeError, ("scopes",), id="int"),
    pytest.param(["weather read"], InvalidScopeError, ("'weather read'",), id="space"),
    pytest.param(['weather"read'], InvalidScopeError, ("weather\"read",), id="quote"),
    pytest.param(["weather\\read"], InvalidScopeError, ("weather\\\\read",), id="backslash"),
    pytest.param([""], InvalidScopeError, ("''",), id="empty"),
    pytest.param(["w\u00e9ather:read"], InvalidScopeError, ("w\u00e9ather:read",), id="non-ascii"),
    pytest.param(["weather:read\n"], InvalidScopeError, ("weather:read\\n",), id="newline"),
])
def test_register_client_bad_scopes(site: Site, scopes: Any, exc_type: type[Exception],
                                    facts: tuple[str, ...]) -> None:
    n = len(site.auth.clients)
    exc = expect(exc_type, lambda: site.auth.register_client("x-app", scopes=scopes), *facts)
    if isinstance(exc, TokenError):
        assert exc.error == "invalid_scope"
    assert len(site.auth.clients) == n


@pytest.mark.parametrize(("uris", "exc_type", "fact"), [
    pytest.param(["not a uri"], ValueError, "'not a uri'", id="not-a-uri"),
    pytest.param(["/callback"], ValueError, "'/callback'", id="relative"),
    pytest.param(["https://app.example/cb#x"], ValueError, "'https://app.example/cb#x'",
                 id="fragment"),
    pytest.param(["https://app.example/cb#"], ValueError, "'https://app.example/cb#'",
                 id="empty-fragment"),
    pytest.param(["https://[app.example/cb"], ValueError, "https://[app.example/cb",
                 id="bad-ipv6"),
    pytest.param([5], TypeError, "int", id="int-item"),
    pytest.param(None, TypeError, "redirect_uris", id="None"),
    # One URI given as a str, not a list: the message must show that URI, not its first letter.
    pytest.param("https://app.example/cb", TypeError, "https://app.example/cb", id="str"),
])
def test_register_client_bad_redirect_uris(site: Site, uris: Any, exc_type: type[Exception],
                                           fact: str) -> None:
    n = len(site.auth.clients)
    expect(exc_type, lambda: site.auth.register_client("x-app", scopes=["weather:read"],
                                                       redirect_uris=uris), fact)
    assert len(site.auth.clients) == n


@pytest.mark.parametrize("public", ["yes", 1, None], ids=repr)
def test_register_client_bad_public(site: Site, public: Any) -> None:
    n = len(site.auth.clients)
    expect(TypeError, lambda: site.auth.register_client("x-app", ["weather:read"], public=public),
           "public")
    assert len(site.auth.clients) == n


# --- client_credentials -------------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "facts"), [
    pytest.param({"client_id": 5}, ("client_id", "int"), id="client_id-int"),
    pytest.param({"client_id": b"weather-app"}, ("client_id", "bytes"), id="client_id-bytes"),
    pytest.param({"client_secret": 5}, ("client_secret", "int"), id="secret-int"),
    pytest.param({"client_secret": b"s"}, ("client_secret", "bytes"), id="secret-bytes"),
    pytest.param({"scope": [5]}, ("scope",), id="scope-int-item"),
    pytest.param({"scope": 5}, ("scope",), id="scope-int"),
    pytest.param({"resource": 5}, ("resource", "int"), id="resource-int"),
    pytest.param({"resource": [API]}, ("resource", "list"), id="resource-list"),
])
def test_client_credentials_wrong_types(site: Site, kwargs: dict[str, Any],
                                        facts: tuple[str, ...]) -> None:
    args: dict[str, Any] = {"client_id": site.app.client_id,
                            "client_secret": site.app.client_secret, **kwargs}
    expect(TypeError, lambda: site.auth.client_credentials(**args), *facts)


def test_client_credentials_empty_or_missing_credentials(site: Site) -> None:
    cc = site.auth.client_credentials
    expect_oauth(InvalidClientError, "invalid_client", 401,
                 lambda: cc("", site.app.client_secret), "client_id")
    for secret in ("", None):
        exc = expect_oauth(InvalidClientError, "invalid_client", 401,
                           lambda s=secret: cc(site.app.client_id, s),  # type: ignore[misc]
                           repr(site.app.client_id))
        assert "client_secret" in str(exc)


def test_client_credentials_unknown_client(site: Site) -> None:
    secret = "a-secret-nobody-issued"
    exc = expect_oauth(InvalidClientError, "invalid_client", 401,
                       lambda: site.auth.client_credentials("ghost-app", secret), "'ghost-app'")
    assert secret not in str(exc)


def test_client_credentials_wrong_secret(site: Site) -> None:
    assert site.app.client_secret is not None
    wrong = site.app.client_secret[:-1] + ("A" if site.app.client_secret[-1] != "A" else "B")
    exc = expect_oauth(InvalidClientError, "invalid_client", 401,
                       lambda: site.auth.client_credentials(site.app.client_id, wrong),
                       repr(site.app.client_id))
    assert wrong not in str(exc) and site.app.client_secret not in str(exc)


def test_client_credentials_secret_of_another_client(site: Site) -> None:
    exc = expect_oauth(InvalidClientError, "invalid_client", 401,
                       lambda: site.auth.client_credentials(site.app.client_id,
                                                            site.other.client_secret),
                       repr(site.app.client_id))
    assert site.other.client_secret is not None and site.other.client_secret not in str(exc)


@pytest.mark.parametrize("secret", ["\ud800", "caf\u00e9", "\x00", " " * 3], ids=repr)
def test_client_credentials_odd_secret_is_just_wrong(site: Site, secret: str) -> None:
    """A secret that is not even ASCII (a lone surrogate, say) is a wrong secret, no crash."""
    expect_oauth(InvalidClientError, "invalid_client", 401,
                 lambda: site.auth.client_credentials(site.app.client_id, secret),
                 repr(site.app.client_id))


def test_client_credentials_public_client(site: Site) -> None:
    cc = site.auth.client_credentials
    for secret in (None, ""):
        expect_oauth(UnauthorizedClientError, "unauthorized_client", 400,
                     lambda s=secret: cc(site.spa.client_id, s),  # type: ignore[misc]
                     repr(site.spa.client_id), "public")
    expect_oauth(InvalidRequestError, "invalid_request", 400,
                 lambda: cc(site.spa.client_id, "a-secret"), repr(site.spa.client_id))


@pytest.mark.parametrize(("scope", "facts"), [
    pytest.param("weather:admin", ("'weather:admin'",), id="unregistered"),
    pytest.param("weather:read weather:admin", ("'weather:admin'",), id="one-unregistered"),
    pytest.param(["weather:read", "calendar:read"], ("'calendar:read'",),
                 id="another-clients-scope"),
    pytest.param("", ("empty",), id="empty"),
    pytest.param("   ", ("empty",), id="blank"),
    pytest.param([], ("empty",), id="empty-list"),
    pytest.param('weather"read', ("weather\"read",), id="quote"),
    pytest.param("weather\\read", ("weather\\\\read",), id="backslash"),
    pytest.param("w\u00e9ather:read", ("w\u00e9ather:read",), id="non-ascii"),
    pytest.param(["weather read"], ("'weather read'",), id="space-inside-list-item"),
])
def test_client_credentials_bad_scope(site: Site, scope: Any, facts: tuple[str, ...]) -> None:
    expect_oauth(InvalidScopeError, "invalid_scope", 400,
                 lambda: site.auth.client_credentials(site.app.client_id, site.app.client_secret,
                                                      scope=scope), *facts)


@pytest.mark.parametrize(("resource", "exc_type", "code"), [
    pytest.param("https://other.example", InvalidTargetError, "invalid_target", id="unknown"),
    pytest.param(API + "/", InvalidTargetError, "invalid_target", id="trailing-slash"),
    pytest.param(API + "#x", InvalidTargetError, "invalid_target", id="fragment"),
    pytest.param(API + "#", InvalidTargetError, "invalid_target", id="empty-fragment"),
    pytest.param("/weather", InvalidTargetError, "invalid_target", id="relative"),
    pytest.param("api.example", InvalidTargetError, "invalid_target", id="no-scheme"),
    pytest.param("https://[api.example", InvalidTargetError, "invalid_target", id="bad-ipv6"),
    pytest.param("", InvalidRequestError, "invalid_request", id="empty"),
])
def test_client_credentials_bad_resource(site: Site, resource: str, exc_type: type[TokenError],
                                         code: str) -> None:
    exc = expect_oauth(exc_type, code, 400,
                       lambda: site.auth.client_credentials(site.app.client_id,
                                                            site.app.client_secret,
                                                            resource=resource))
    assert repr(resource) in str(exc) if resource else "resource" in str(exc)


def test_client_credentials_no_resource_with_two_apis(site: Site) -> None:
    ResourceServer(audience="https://calendar.example", auth=site.auth)
    expect_oauth(InvalidTargetError, "invalid_target", 400,
                 lambda: site.auth.client_credentials(site.app.client_id, site.app.client_secret),
                 "resource=", API, "https://calendar.example")


# --- ResourceServer(...) and register_resource ----------------------------------------------------

ED25519_JWK = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}


@pytest.mark.parametrize("kwargs", [
    pytest.param({}, id="nothing"),
    pytest.param({"issuer": ISSUER}, id="issuer-only"),
    pytest.param({"jwks": {"keys": [{**ED25519_JWK, "kid": "k1", "alg": "EdDSA"}]}},
                 id="jwks-only"),
])
def test_resource_server_needs_auth_or_issuer_and_jwks(kwargs: dict[str, Any]) -> None:
    expect(ValueError, lambda: ResourceServer(audience=API, **kwargs), "auth=", "jwks=")


@pytest.mark.parametrize(("jwks", "facts"), [
    pytest.param({}, ("jwks", "keys"), id="empty-dict"),
    pytest.param({"keys": []}, ("jwks",), id="no-keys"),
    pytest.param({"keys": {}}, ("jwks",), id="keys-not-a-list"),
    pytest.param([], ("jwks",), id="a-list"),
    pytest.param("keys", ("jwks",), id="a-str"),
    pytest.param({"keys": [{**ED25519_JWK, "alg": "EdDSA"}]}, ("kid",), id="no-kid"),
    pytest.param({"keys": [{**ED25519_JWK, "kid": 5, "alg": "EdDSA"}]}, ("kid",), id="int-kid"),
    pytest.param({"keys": [{**ED25519_JWK, "kid": "k1"}]}, ("alg",), id="no-alg"),
    pytest.param({"keys": [{**ED25519_JWK, "kid": "k1", "alg": "none"}]}, ("'none'",),
                 id="alg-none"),
    pytest.param({"keys": [5]}, ("JWK",), id="key-not-an-object"),
    pytest.param({"keys": [{"kid": "k1", "alg": "EdDSA"}]}, ("'k1'",), id="no-key-material"),
    pytest.param({"keys": [{**ED25519_JWK, "x": "!!", "kid": "k1", "alg": "EdDSA"}]}, ("'k1'",),
                 id="bad-key-material"),
    pytest.param({"keys": [{**ED25519_JWK, "kid": "k1", "alg": "RS256"}]}, ("'k1'", "RS256"),
                 id="alg-does-not-fit-key"),
])
def test_resource_server_bad_jwks(jwks: Any, facts: tuple[str, ...]) -> None:
    expect(ValueError, lambda: ResourceServer(audience=API, issuer=ISSUER, jwks=jwks), *facts)


def test_resource_server_bad_auth() -> None:
    expect(TypeError, lambda: ResourceServer(audience=API, auth=ISSUER), "auth")  # type: ignore[arg-type]


@pytest.mark.parametrize(("kwargs", "exc_type", "facts"), [
    pytest.param({"issuer": "https://other.example"}, ValueError,
                 ("'https://other.example'", repr(ISSUER)), id="issuer-differs"),
    pytest.param({"leeway": -1}, ValueError, ("leeway", "-1"), id="leeway-negative"),
    pytest.param({"leeway": NAN}, ValueError, ("leeway", "nan"), id="leeway-nan"),
    pytest.param({"leeway": "5"}, TypeError, ("leeway", "str"), id="leeway-str"),
    pytest.param({"revocation": "sometimes"}, ValueError, ("'sometimes'",), id="revocation"),
    pytest.param({"introspection_cache_ttl": -1}, ValueError, ("introspection_cache_ttl",),
                 id="cache-ttl"),
    pytest.param({"policy": VerifierPolicy(issuer=ISSUER, audience="https://other.example")},
                 ValueError, ("policy",), id="policy-for-another-api"),
    pytest.param({"clock": "now"}, TypeError, ("clock",), id="clock-str"),
])
def test_resource_server_bad_options(site: Site, kwargs: dict[str, Any],
                                     exc_type: type[Exception], facts: tuple[str, ...]) -> None:
    before = (site.auth.resources, len(site.auth.clients))
    expect(exc_type, lambda: ResourceServer(audience="https://new.example", auth=site.auth,
                                            **kwargs), *facts)
    assert (site.auth.resources, len(site.auth.clients)) == before


@pytest.mark.parametrize(("audience", "exc_type", "fact"), [
    pytest.param("", ValueError, "audience", id="empty"),
    pytest.param(5, ValueError, "audience", id="int"),
    pytest.param("/weather", ValueError, "'/weather'", id="relative"),
    pytest.param(API + "#x", ValueError, API + "#x", id="fragment"),
    pytest.param("https://[api.example", ValueError, "https://[api.example", id="bad-ipv6"),
])
def test_resource_server_bad_audience(site: Site, audience: Any, exc_type: type[Exception],
                                      fact: str) -> None:
    before = (site.auth.resources, len(site.auth.clients))
    for revocation in ("denylist", "introspect"):
        expect(exc_type, lambda r=revocation: ResourceServer(  # type: ignore[misc]
            audience=audience, auth=site.auth, revocation=r), fact)
    assert (site.auth.resources, len(site.auth.clients)) == before


@pytest.mark.parametrize(("audience", "leeway", "exc_type", "fact"), [
    pytest.param(5, 0, TypeError, "int", id="audience-int"),
    pytest.param("/weather", 0, ValueError, "'/weather'", id="audience-relative"),
    pytest.param("https://new.example", "5", TypeError, "leeway", id="leeway-str"),
])
def test_register_resource_bad(site: Site, audience: Any, leeway: Any, exc_type: type[Exception],
                               fact: str) -> None:
    before = site.auth.resources
    expect(exc_type, lambda: site.auth.register_resource(audience, leeway=leeway), fact)
    assert site.auth.resources == before


@pytest.mark.parametrize(("scope", "fact"), [(5, "scope"), ([5], "scope"), ([None], "scope")],
                         ids=repr)
def test_verify_bad_scope_argument(site: Site, scope: Any, fact: str) -> None:
    token = site.auth.client_credentials(site.app.client_id, site.app.client_secret).access_token
    expect(TypeError, lambda: site.api.verify(token, scope=scope), fact)


# --- no change of state: determinism -----------------------------------------------------------


def _bad_calls(group: str, s: Site) -> list[Callable[[], object]]:
    """Calls that must all fail, on one site's objects."""
    a = s.auth
    cc = a.client_credentials
    cid, secret = s.app.client_id, s.app.client_secret
    groups: dict[str, list[Callable[[], object]]] = {
        "clock": [
            lambda: s.clock.advance(-1), lambda: s.clock.advance(NAN),
            lambda: s.clock.advance(INF), lambda: s.clock.advance("5"),  # type: ignore[arg-type]
        ],
        "register_client": [
            lambda: a.register_client("", ["weather:read"]),
            lambda: a.register_client("x", [5]),  # type: ignore[list-item]
            lambda: a.register_client("x", ["weather read"]),
            lambda: a.register_client("x", ['weather"read']),
            lambda: a.register_client("x", ["weather:read"], redirect_uris=["/cb"]),
            lambda: a.register_client("x", ["weather:read"], redirect_uris=["https://a.example#f"]),
            lambda: a.register_client("x", ["weather:read"], public="yes"),  # type: ignore[arg-type]
        ],
        "client_credentials": [
            lambda: cc(5, secret),  # type: ignore[arg-type]
            lambda: cc("", secret), lambda: cc(cid, ""), lambda: cc(cid, None),
            lambda: cc("ghost-app", secret), lambda: cc(cid, secret + "x"),
            lambda: cc(cid, s.other.client_secret), lambda: cc(s.spa.client_id, None),
            lambda: cc(cid, secret, scope="weather:admin"), lambda: cc(cid, secret, scope=""),
            lambda: cc(cid, secret, scope=[]), lambda: cc(cid, secret, scope='weather"read'),
            lambda: cc(cid, secret, scope=[5]),  # type: ignore[list-item]
            lambda: cc(cid, secret, resource="https://other.example"),
            lambda: cc(cid, secret, resource=API + "#x"),
            lambda: cc(cid, secret, resource="/weather"), lambda: cc(cid, secret, resource=""),
        ],
        "resource_server": [
            lambda: ResourceServer(audience="https://new.example", auth=a, leeway=-1),
            lambda: ResourceServer(audience="https://new.example", auth=a, revocation="x"),
            lambda: ResourceServer(audience="https://new.example", auth=a,
                                   issuer="https://other.example"),
            lambda: ResourceServer(audience="https://new.example", auth=a,
                                   policy=VerifierPolicy(issuer=ISSUER, audience=API)),
            lambda: ResourceServer(audience="/weather", auth=a, revocation="introspect"),
            lambda: ResourceServer(audience="", auth=a),
        ],
        "register_resource": [
            lambda: a.register_resource("/weather"),
            lambda: a.register_resource(5),  # type: ignore[arg-type]
            lambda: a.register_resource("https://new.example", leeway="5"),  # type: ignore[arg-type]
        ],
    }
    return groups[group]


@pytest.mark.parametrize("group", ["clock", "register_client", "client_credentials",
                                   "resource_server", "register_resource"])
def test_failed_calls_change_no_state(group: str) -> None:
    """Site A gets the bad calls, identically seeded site B none; then both must agree."""
    a, b = make_site(), make_site()
    clients_before = len(a.auth.clients)
    for call in _bad_calls(group, a):
        try:
            call()
        except Exception:  # each must fail; its class and message are tested above
            continue
        pytest.fail(f"a bad call in group {group!r} succeeded")
    assert len(a.auth.clients) == clients_before == len(b.auth.clients)
    assert a.auth.resources == b.auth.resources
    assert a.clock.time() == b.clock.time()

    # The same good calls on both: the same ids, secrets, tokens and keys.
    new_a = a.auth.register_client("after", scopes=["weather:read"])
    new_b = b.auth.register_client("after", scopes=["weather:read"])
    assert (new_a.client_id, new_a.client_secret) == (new_b.client_id, new_b.client_secret)
    for site, new in ((a, new_a), (b, new_b)):
        assert site.auth.client_credentials(new.client_id, new.client_secret, resource=API)
    tokens = [
        (s.auth.client_credentials(s.app.client_id, s.app.client_secret).access_token,
         s.auth.client_credentials(s.other.client_id, s.other.client_secret,
                                   resource=API).access_token)
        for s in (a, b)
    ]
    assert tokens[0] == tokens[1]
    assert a.api.verify(tokens[0][0])["jti"] == b.api.verify(tokens[1][0])["jti"]
    assert a.auth.rotate_keys().kid == b.auth.rotate_keys().kid
    assert a.auth.jwks() == b.auth.jwks()
