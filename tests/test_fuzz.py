"""Property-based fuzz of :meth:`ResourceServer.verify` (world and strategies: tests/fuzzing.py).

The attacker property: whatever an attacker sends — random bytes or text, a valid token with one
character changed, parts swapped between servers, a rewritten header, a token re-signed with a key
of the attacker's choosing (the HS256-with-the-public-key algorithm confusion, ``alg: none``, an
embedded ``jwk``), huge or deeply nested input — ``verify`` either raises a :class:`TokenError`
(with a report) or returns claims, and it returns claims only for a token that the API's own
authorization server issued for that API, character for character. No other exception escapes.

Three properties sign claims with the server's real key, to test step 3 on its own:

- arbitrary claims: the verdict (accepted, 403 ``insufficient_scope`` or 401 ``invalid_token``)
  is the one an independent reading of RFC 9068 §4, RFC 7519 §4.1 and RFC 6750 §3.1 gives;
- claims valid by construction: accepted, unchanged;
- valid claims with exactly one rule broken: refused, with that rule's error class and code.

A property that cannot fail proves nothing: the last tests run each one against a verifier that
refuses everything and one that accepts everything, and expect it to fail.

``TOKENLAB_FUZZ_EXAMPLES`` sets every property's example count (``make fuzz``: 100,000); the
defaults keep ``make test`` fast. Each property counts the examples it really ran.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jwt.utils import base64url_decode

from tokenlab import (
    AlgorithmNotAllowedError,
    ExpiredTokenError,
    InsufficientScopeError,
    InvalidAudienceError,
    InvalidClaimError,
    InvalidHeaderError,
    InvalidIssuerError,
    InvalidSignatureError,
    MissingClaimError,
    NotYetValidError,
    ResourceServer,
    StepStatus,
    TokenError,
    UnknownKeyError,
)
from tokenlab.report import VerificationReport

from .fuzzing import (
    ACCEPTED_TYP,
    AUDIENCES,
    CLAIM_NAMES,
    FUZZ_SETTINGS,
    HUGE_INTS,
    ISSUER,
    REQUIRED,
    TIME_CLAIMS,
    Api,
    Gen,
    World,
    attacker_input,
    build_world,
    examples,
    fuzz_settings,
    hs256,
    json_b64,
    jwt_parts,
    public_material,
    signed_claims,
    time_values,
)


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


# --- the properties ---------------------------------------------------------------------------


def _kid_of(text: str) -> str | None:
    """The header's kid if the text has a readable one (to pick the APIs that trust it)."""
    if len(text) > 20_000:
        return None
    try:
        header = json.loads(base64url_decode(text.split(".", 1)[0]))
    except Exception:  # any junk: no kid
        return None
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid if isinstance(kid, str) else None


def check_attacker_input(world: World, value: str | bytes | bytearray, extra: list[int]) -> None:
    """Each API tried raises a TokenError, or returns claims for exactly a token it issued.

    Tried: the APIs that trust the header's kid (where a forgery would have to be caught by
    the signature check) and a few drawn at random.
    """
    text = value if isinstance(value, str) else bytes(value).decode("ascii", "replace")
    apis = [world.apis[i] for i in extra]
    apis += world.apis_by_kid.get(_kid_of(text) or "", ())
    for api in apis:
        try:
            claims = api.server.verify(value)
        except TokenError as exc:
            assert text not in api.accepts, f"{api!r} rejected its own token: {exc!r}"
            assert exc.report is not None and exc.report.failed_step is not None, repr(exc)
            assert (exc.error, exc.status) == ("invalid_token", 401), repr(exc)
            assert str(exc)
            continue
        assert text in api.accepts, f"{api!r} accepted a token never issued for it: {value!r}"
        assert claims.report.ok
        assert dict(claims) == jwt_parts(text)[1]


def test_fuzz_verify_attacker_inputs(world: World) -> None:
    """Attacker inputs: a TokenError, or claims for a token the API's issuer issued for it."""
    n = examples(10_000)
    ran = 0

    @fuzz_settings(n)
    @given(attacker_input(Gen(world)))
    def run(case: tuple[str | bytes | bytearray, list[int]]) -> None:
        nonlocal ran
        ran += 1
        check_attacker_input(world, *case)

    start = time.perf_counter()
    run()
    print(f"\nfuzz: {ran:,} attacker inputs in {time.perf_counter() - start:.1f} s")
    assert ran >= n



# --- claims signed with the server's real key: step 3 on its own ---------------------------------

ACCEPTED, FORBIDDEN, INVALID = "accepted", "403 insufficient_scope", "401 invalid_token"
YEAR = 365 * 86400
#: RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
SCOPE_CHARS = "".join(chr(c) for c in range(0x21, 0x7F) if c not in (0x22, 0x5C))
SCOPE_TOKEN = st.sampled_from(("weather:read", "weather:write", "calendar:read", "admin")) | st.text(
    SCOPE_CHARS, min_size=1, max_size=12)
#: Near misses of ``weather:read``: a substring match or a case-folding match would accept them.
NEAR_MISSES = ("weather:readings", "weather:rea", "WEATHER:READ", "weather", "read", "weather:read,")
NON_EMPTY_TEXT = st.text(min_size=1, max_size=30)
NOT_A_STRING = st.sampled_from((None, 0, 7, 1.5, True, False, [], ["alice"], {}, {"a": "b"}))
#: Extra claims' values: any JSON, small enough that the token stays far below the size limit.
SMALL_JSON: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)
NOT_A_NUMERIC_DATE = st.sampled_from((
    None, True, False, "1893456300", "", [], [1893456300], {}, float("nan"), float("inf"),
    float("-inf"), *HUGE_INTS))


def _numeric_date(value: object) -> bool:
    """RFC 7519 §2: "NumericDate: A JSON numeric value representing the number of seconds from
    1970-01-01T00:00:00Z UTC": a number (not a boolean) that a float can hold, finite."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _why_invalid(audience: str, header: dict[str, Any], claims: dict[str, Any],
                 now: float) -> str | None:
    """Why a validly signed token is not a valid access token for ``audience`` at ``now``, read
    from the RFCs independently of ``tokenlab.jose.verify``; ``None`` when it is valid."""
    typ = header.get("typ")
    if not isinstance(typ, str) or typ.lower() not in ACCEPTED_TYP:
        return "RFC 9068 §4: typ must be at+jwt"
    if missing := [c for c in REQUIRED if c not in claims]:
        return f"RFC 9068 §2.2: {missing[0]} is required"
    if bad := [c for c in ("iss", "sub", "jti", "client_id") if not (
            isinstance(claims[c], str) and claims[c])]:
        return f"RFC 9068 §2.2: {bad[0]} must be a non-empty string"
    if claims["iss"] != ISSUER:
        return "RFC 9068 §4: iss must match exactly"
    aud = claims["aud"]
    auds = [aud] if isinstance(aud, str) else aud
    if not isinstance(auds, list) or not all(isinstance(a, str) for a in auds):
        return "RFC 7519 §4.1.3: aud is a string or an array of strings"
    if audience not in auds:
        return "RFC 9068 §4: aud must name this API"
    if bad := [c for c in TIME_CLAIMS if c in claims and not _numeric_date(claims[c])]:
        return f"RFC 7519 §2: {bad[0]} must be a NumericDate"
    if not now < claims["exp"]:
        return "RFC 7519 §4.1.4: the current time must be before exp"
    if "nbf" in claims and now < claims["nbf"]:
        return "RFC 7519 §4.1.5: not before nbf"
    if claims["iat"] > now:
        return "RFC 9068 §4 / RFC 7519 §4.1.6: issued in the future"
    if "scope" in claims and not isinstance(claims["scope"], str):
        return "RFC 9068 §2.2.3: scope is one space-separated string"
    if claims.get("scope") and not all(
            token and set(token) <= set(SCOPE_CHARS) for token in claims["scope"].split(" ")):
        return "RFC 6749 §3.3: scope-tokens of printable ASCII, separated by single spaces"
    if "cnf" in claims:
        return "RFC 9449 §7.2, RFC 7800 §3: a token bound to a key (cnf) is not a bearer token"
    return None


def expected_verdict(audience: str, header: dict[str, Any], claims: dict[str, Any], now: float,
                     required: tuple[str, ...]) -> str:
    """RFC 6750 §3.1: an invalid token is 401 ``invalid_token`` whatever it asks for; only a valid
    one can be 403 ``insufficient_scope`` — when a required scope is not among its scope tokens."""
    if _why_invalid(audience, header, claims, now) is not None:
        return INVALID
    granted = claims["scope"].split(" ") if claims.get("scope") else []
    return ACCEPTED if all(s in granted for s in required) else FORBIDDEN


def _verdict_of(api: Api, token: str, required: tuple[str, ...]) -> tuple[str, Any]:
    """What ``verify`` answered: the verdict, and the claims or the error."""
    try:
        claims = api.server.verify(token, scope=required)
    except TokenError as exc:
        assert exc.report is not None and exc.report.failed_step is not None, repr(exc)
        assert str(exc.report)
        return (FORBIDDEN if (exc.error, exc.status) == ("insufficient_scope", 403) else
                INVALID if (exc.error, exc.status) == ("invalid_token", 401) else repr(exc)), exc
    return ACCEPTED, claims


def check_arbitrary_claims(case: tuple[Api, str, tuple[str, ...]], now: float) -> None:
    """The verdict on arbitrary claims is the RFCs' verdict; accepted claims come back unchanged."""
    api, token, required = case
    header, claims, _ = jwt_parts(token)
    verdict, answer = _verdict_of(api, token, required)
    why = ("longer than the API's size limit" if len(token) > api.server.policy.max_token_bytes
           else _why_invalid(api.server.audience, header, claims, now))
    expected = INVALID if why else expected_verdict(api.server.audience, header, claims, now,
                                                     required)
    assert verdict == expected, (
        f"{api!r} answered {verdict} ({answer!r}), the RFCs say {expected} "
        f"({why or 'valid'}) for {str(claims)[:2000]}")
    if verdict == ACCEPTED:
        report = getattr(answer, "report", None)
        assert dict(answer) == claims and report is not None and report.ok and str(report)


def _future(now: float) -> st.SearchStrategy[float]:
    """NumericDates strictly after ``now`` (up to a century on)."""
    return (st.integers(math.floor(now) + 1, math.floor(now) + 100 * YEAR)
            | st.floats(now, now + 100 * YEAR, exclude_min=True))


def _past(now: float) -> st.SearchStrategy[float]:
    """NumericDates at or before ``now`` (down to a century ago)."""
    return (st.integers(math.floor(now) - 100 * YEAR, math.floor(now))
            | st.floats(now - 100 * YEAR, now) | st.just(now))


@st.composite
def valid_claims(draw: st.DrawFn, world: World,
                 now: float) -> tuple[Api, dict[str, Any], str, tuple[str, ...]]:
    """``(api, claims, typ, required scope)`` valid by construction for the API at ``now``:
    RFC 9068 §2.2 claims of any well-formed value, unknown extra claims, scopes in any order."""
    api = draw(st.sampled_from(world.apis))
    required = tuple(draw(st.lists(SCOPE_TOKEN, max_size=3, unique=True)))
    granted = draw(st.permutations([*required, *draw(st.lists(SCOPE_TOKEN, max_size=3))]))
    others = draw(st.lists(st.sampled_from(AUDIENCES) | NON_EMPTY_TEXT, max_size=3))
    aud = draw(st.just(api.server.audience)
               | st.permutations([api.server.audience, *others]).map(list))
    claims: dict[str, Any] = {
        "iss": ISSUER, "sub": draw(NON_EMPTY_TEXT), "aud": aud, "exp": draw(_future(now)),
        "iat": draw(_past(now)), "jti": draw(NON_EMPTY_TEXT), "client_id": draw(NON_EMPTY_TEXT),
    }
    if granted or draw(st.booleans()):
        claims["scope"] = " ".join(granted)
    if draw(st.booleans()):
        claims["nbf"] = draw(_past(now))
    extra = draw(st.dictionaries(st.text(max_size=8).filter(lambda n: n not in CLAIM_NAMES), SMALL_JSON,
                                 max_size=3))
    typ = draw(st.sampled_from(("at+jwt", "application/at+jwt", "AT+JWT", "Application/At+JWT")))
    return api, {**extra, **claims}, typ, required


def check_valid_claims_pass(case: tuple[Api, dict[str, Any], str, tuple[str, ...]]) -> None:
    """Valid claims, signed by the API's issuer, are accepted — and come back unchanged."""
    api, claims, typ, required = case
    token = api.auth.keys.current.sign(claims, typ=typ)
    try:
        verified = api.server.verify(token, scope=required)
    except TokenError as exc:
        raise AssertionError(f"{api!r} refused valid claims {claims!r} (typ {typ!r}, scope "
                             f"{required!r}): {exc!r}") from None
    assert dict(verified) == jwt_parts(token)[1]
    report = getattr(verified, "report", None)
    assert report is not None and report.ok and str(report)


#: One broken rule: ``(name, break it, the error class, its code and status, claim or parameter)``.
Breaker = Callable[[st.DrawFn, dict[str, Any], float], tuple[str, dict[str, Any], str,
                                                              tuple[str, ...]]]


def _with(claims: dict[str, Any], name: str, value: object) -> dict[str, Any]:
    return {**claims, name: value}


def _break_typ(draw: st.DrawFn, case: dict[str, Any], now: float) -> Any:
    typ = draw(st.sampled_from(("JWT", "jwt", "", "at+jwt ", "id_token+jwt", "application/jwt",
                                "dpop+jwt", "at-jwt")))
    return InvalidHeaderError, "typ", {**case, "typ": typ}


def _break_missing(draw: st.DrawFn, case: dict[str, Any], now: float) -> Any:
    name = draw(st.sampled_from(REQUIRED))
    return MissingClaimError, name, {**case, "claims": {
        k: v for k, v in case["claims"].items() if k != name}}


def _break_not_a_string(draw: st.DrawFn, case: dict[str, Any], now: float) -> Any:
    name = draw(st.sampled_from(("sub", "jti", "client_id", "iss")))
    # PyJWT refuses to sign a non-string iss; an empty one it signs.
    value = "" if name == "iss" else draw(st.just("") | NOT_A_STRING)
    return InvalidClaimError, name, {**case, "claims": _with(case["claims"], name, value)}


def _break_issuer(draw: st.DrawFn, case: dict[str, Any], now: float) -> Any:
    iss = draw(st.sampled_from((ISSUER + "/", "https://AUTH.example", "http://auth.example",
                                " " + ISSUER, "https://auth.example.evil")) | NON_EMPTY_TEXT)
    iss = iss if iss != ISSUER else ISSUER + "/"
    return InvalidIssuerError, "iss", {**case, "claims": _with(case["claims"], "iss", iss)}


def _break_audience(draw: st.DrawFn, case: dict[str, Any], now: float) -> Any:
    audience = case["api"].server.audience
    other = (st.sampled_from((*AUDIENCES, audience + "/", audience.upper(), "")) | NON_EMPTY_TEXT
             ).filter(lambda a: a != audience)
    aud = draw(other | st.lists(other, max_size=3))
    return InvalidAudienceError, "aud", {**case, "claims": _with(case["claims"], "aud", aud)}


def _break_audience_type(draw: st.DrawFn, case: dict[str, Any], now: float) -> Any:
    audience = case["api"].server.audience
    aud = draw(st.sampled_from((None, 5, True, {"aud": audience}, [audience, 5], [[audience]],
                                [audience, None])))
    return InvalidClaimError, "aud", {**case, "claims": _with(case["claims"], "aud", aud)}


def _break_numeric_date(draw: st.DrawFn, case: dict[str, Any], now: float) -> Any:
    name = draw(st.sampled_from(TIME_CLAIMS))
    value = draw(NOT_A_NUMERIC_DATE)
    return InvalidClaimError, name, {**case, "claims": _with(case["claims"], name, value)}


def _break_expired(draw: st.DrawFn, case: dict[str, Any], now: float) -> Any:
    return ExpiredTokenError, "exp", {**case, "claims": _with(case["claims"], "exp", draw(_past(now)))}


def _break_not_before(draw: st.DrawFn, case: dict[str, Any], now: float) -> Any:
    return NotYetValidError, "nbf", {**case, "claims": _with(case["claims"], "nbf",
                                                             draw(_future(now)))}


def _break_issued_later(draw: st.DrawFn, case: dict[str, Any], now: float) -> Any:
    claims = _with(case["claims"], "iat", draw(_future(now)))
    return NotYetValidError, "iat", {**case, "claims": claims}


def _break_scope_type(draw: st.DrawFn, case: dict[str, Any], now: float) -> Any:
    scope = draw(st.sampled_from((None, 5, True, [], ["weather:read"], {"weather:read": True})))
    return InvalidClaimError, "scope", {**case, "claims": _with(case["claims"], "scope", scope)}


def _break_scope_lacking(draw: st.DrawFn, case: dict[str, Any], now: float) -> Any:
    """A valid token that lacks one required scope (near misses included): 403, not 401."""
    required = tuple(dict.fromkeys((*case["required"], "weather:read")))
    lacking = draw(st.sampled_from(required))
    kept = [s for s in case["claims"].get("scope", "").split(" ") if s and s != lacking]
    near = [m for m in draw(st.lists(st.sampled_from(NEAR_MISSES), max_size=2)) if m != lacking]
    scope = " ".join(draw(st.permutations([*kept, *near])))
    claims = _with(case["claims"], "scope", scope)
    return InsufficientScopeError, None, {**case, "claims": claims, "required": required}


BREAKERS = (_break_typ, _break_missing, _break_not_a_string, _break_issuer, _break_audience,
            _break_audience_type, _break_numeric_date, _break_expired, _break_not_before,
            _break_issued_later, _break_scope_type, _break_scope_lacking)


@st.composite
def one_rule_broken(draw: st.DrawFn, world: World, now: float) -> tuple[Any, ...]:
    """Valid claims with exactly one rule broken, and the error that rule must raise."""
    api, claims, typ, required = draw(valid_claims(world, now))
    case = {"api": api, "claims": claims, "typ": typ, "required": required}
    error, name, case = draw(st.sampled_from(BREAKERS))(draw, case, now)
    return case["api"], case["claims"], case["typ"], case["required"], error, name


def check_broken_rule_refused(case: tuple[Any, ...]) -> None:
    """Refused, with exactly the broken rule's error class, OAuth code and status, at step 3."""
    api, claims, typ, required, error, name = case
    token = api.auth.keys.current.sign(claims, typ=typ)
    try:
        answer = api.server.verify(token, scope=required)
    except TokenError as exc:
        assert type(exc) is error, f"expected {error.__name__} for {claims!r}, got {exc!r}"
        assert (exc.error, exc.status) == (error.error, error.status), repr(exc)
        assert exc.report is not None and exc.report.failed_step is not None
        assert exc.report.failed_step.name == "claims", str(exc.report)
        if name is not None:
            assert getattr(exc, "claim", None) == name or getattr(exc, "parameter", None) == name, (
                f"{exc!r} does not name {name!r}")
        return
    raise AssertionError(f"{api!r} accepted {claims!r} (typ {typ!r}, scope {required!r}) "
                         f"although it breaks a rule ({error.__name__}): {answer!r}")


def run_property(strategy: st.SearchStrategy[Any], check: Callable[[Any], None], n: int, *,
                 report_multiple_bugs: bool = True) -> int:
    """Run ``check`` on ``n`` examples of ``strategy``; the number really run."""
    ran = 0

    @settings(max_examples=n, report_multiple_bugs=report_multiple_bugs, **FUZZ_SETTINGS)
    @given(strategy)
    def run(case: Any) -> None:
        nonlocal ran
        ran += 1
        check(case)

    run()
    return ran


def _signed(world: World) -> tuple[st.SearchStrategy[Any], Callable[[Any], None]]:
    now = world.clock.time()
    return signed_claims(world, time_values(now)), lambda case: check_arbitrary_claims(case, now)


def _valid(world: World) -> tuple[st.SearchStrategy[Any], Callable[[Any], None]]:
    return valid_claims(world, world.clock.time()), check_valid_claims_pass


def _broken(world: World) -> tuple[st.SearchStrategy[Any], Callable[[Any], None]]:
    return one_rule_broken(world, world.clock.time()), check_broken_rule_refused


def _fuzz_signed(name: str, prop: Callable[[World], tuple[st.SearchStrategy[Any], Callable[[Any], None]]],
                 world: World, n: int) -> None:
    start = time.perf_counter()
    ran = run_property(*prop(world), n)
    print(f"\nfuzz: {ran:,} {name} in {time.perf_counter() - start:.1f} s")
    assert ran >= n


def test_rfc9068_4_validly_signed_arbitrary_claims_get_the_rfcs_verdict(world: World) -> None:
    """Step 3 on a genuine signature: accepted, 403 or 401 exactly as the RFCs say."""
    _fuzz_signed("arbitrary signed claims", _signed, world, examples(1_000))


def test_rfc9068_4_validly_signed_valid_claims_are_accepted(world: World) -> None:
    _fuzz_signed("valid signed claims", _valid, world, examples(1_000))


def test_rfc9068_4_validly_signed_claims_breaking_one_rule_get_its_error(world: World) -> None:
    _fuzz_signed("signed claims breaking one rule", _broken, world, examples(1_000))


def _refuse_everything(self: ResourceServer, token: str | bytes, scope: Any = None) -> Any:
    """A broken verifier that refuses every token, with a well-formed error and report."""
    report = VerificationReport.build([(StepStatus.PASSED, "decoded"), (StepStatus.PASSED, "signed"),
                                       (StepStatus.FAILED, "a broken verifier refuses everything")])
    raise InvalidClaimError("a broken verifier refuses every token", claim="exp", report=report)


def _accept_everything(self: ResourceServer, token: str | bytes, scope: Any = None) -> Any:
    return jwt.decode(token, options={"verify_signature": False})


@pytest.mark.parametrize(("prop", "mutant"), [
    (_signed, _refuse_everything), (_signed, _accept_everything), (_valid, _refuse_everything),
    (_broken, _refuse_everything), (_broken, _accept_everything),
], ids=lambda f: f.__name__.strip("_"))
def test_signed_claims_properties_fail_against_a_broken_verifier(
        world: World, monkeypatch: pytest.MonkeyPatch, prop: Any, mutant: Any) -> None:
    """Each property can fail: a verifier that refuses (or accepts) everything is caught."""
    strategy, check = prop(world)
    monkeypatch.setattr(ResourceServer, "verify", mutant)
    with pytest.raises(AssertionError):
        run_property(strategy, check, 200, report_multiple_bugs=False)


# --- explicit cases --------------------------------------------------------------------------


@pytest.mark.parametrize("form", [bytes, bytearray])
def test_valid_token_as_bytes_passes(world: World, form: type[bytes] | type[bytearray]) -> None:
    for api in world.apis:
        for token in sorted(api.accepts):
            claims = api.server.verify(form(token.encode("ascii")))
            assert dict(claims) == jwt_parts(token)[1]


@pytest.mark.parametrize(
    "value", [0, 1.5, None, ["a.b.c"], {"token": "a.b.c"}, ("a", "b"), object(), memoryview(b"x")],
    ids=lambda v: type(v).__name__,
)
def test_other_types_raise_type_error(world: World, value: object) -> None:
    api = world.apis[0]
    with pytest.raises(TypeError, match="str or bytes") as info:
        api.server.verify(value)  # type: ignore[arg-type]
    assert not isinstance(info.value, TokenError)
    assert type(value).__name__ in str(info.value)


def _public_key_pem(api: Api) -> bytes:
    jwk = next(j for j in api.auth.jwks()["keys"] if j["kid"] == api.auth.keys.current.kid)
    return public_material(jwk)[0]


def test_alg_confusion_is_refused_before_the_signature(world: World) -> None:
    """HS256 signed with the server's own public key (PEM, as in the classic attack)."""
    for api in world.apis:
        if api.auth.keys.current.algorithm == "HS256":
            continue
        token = sorted(api.accepts)[0]
        header, payload, _ = jwt_parts(token)
        forged = hs256({**header, "alg": "HS256"}, payload, _public_key_pem(api))
        with pytest.raises(AlgorithmNotAllowedError) as info:
            api.server.verify(forged)
        assert info.value.report is not None
        assert info.value.report.step("signature").status == "failed"


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_unsigned_token_is_refused(world: World, alg: str) -> None:
    for api in world.apis:
        header, payload, _ = jwt_parts(sorted(api.accepts)[0])
        forged = f"{json_b64({**header, 'alg': alg})}.{json_b64(payload)}."
        with pytest.raises(AlgorithmNotAllowedError, match="unsigned"):
            api.server.verify(forged)


@pytest.mark.parametrize("param", ["jku", "jwk", "x5u", "x5c"])
def test_header_supplied_keys_are_refused(world: World, param: str) -> None:
    """Even signed with the attacker's key that the header itself points to."""
    api = world.apis[0]
    header, payload, _ = jwt_parts(sorted(api.accepts)[0])
    value = world.attacker_jwk if param == "jwk" else "https://attacker.example/key"
    forged = jwt.encode(payload, world.attacker_keys["EdDSA"], algorithm="EdDSA",
                        headers={"kid": header["kid"], "typ": "at+jwt", param: value})
    with pytest.raises(InvalidHeaderError) as info:
        api.server.verify(forged)
    assert info.value.parameter == param


def test_attacker_key_with_victim_kid_fails_the_signature(world: World) -> None:
    for api in world.apis:
        alg = api.auth.keys.current.algorithm
        _, payload, _ = jwt_parts(sorted(api.accepts)[0])
        forged = jwt.encode(payload, world.attacker_keys[alg], algorithm=alg,
                            headers={"kid": api.auth.keys.current.kid, "typ": "at+jwt"})
        with pytest.raises(InvalidSignatureError):
            api.server.verify(forged)


def test_other_servers_kid_is_unknown(world: World) -> None:
    a, b = world.apis[0], world.apis[2]  # EdDSA and ES256 servers, same issuer and audience
    assert a.server.audience == b.server.audience and a.auth is not b.auth
    with pytest.raises(UnknownKeyError):
        b.server.verify(sorted(a.accepts)[0])
