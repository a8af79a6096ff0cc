"""The three-step verifier: each policy rule failing on its own, and the expiry boundaries."""

from __future__ import annotations

import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from jwt.utils import base64url_encode

from tokenlab import (
    AlgorithmNotAllowedError,
    ExpiredTokenError,
    InsufficientScopeError,
    InvalidAudienceError,
    InvalidClaimError,
    InvalidHeaderError,
    InvalidIssuerError,
    InvalidSignatureError,
    MalformedTokenError,
    MissingClaimError,
    NotYetValidError,
    ResourceServer,
    SimClock,
    StepStatus,
    TokenError,
    UnknownKeyError,
    VerifierPolicy,
)
from tokenlab.jose.policy import RFC9068_REQUIRED_CLAIMS

from ..conftest import API, ISSUER, Forge

P, F, N = StepStatus.PASSED, StepStatus.FAILED, StepStatus.NOT_REACHED


def statuses(err: TokenError) -> list[StepStatus]:
    assert err.report is not None
    return [s.status for s in err.report.steps]


def test_a_forged_baseline_token_passes(api: ResourceServer, forge: Forge) -> None:
    claims = api.verify(forge())
    assert claims["sub"] == "alice"
    assert [s.status for s in claims.report.steps] == [P, P, P]
    assert claims.report.ok and claims.header["typ"] == "at+jwt"


# -- step 1: decode -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("token", "fact"),
    [
        ("", "this has 0 parts"),
        ("abc", "this has 1 part"),
        ("a.b", "this has 2 parts"),
        ("a.b.c.d", "this has 4 parts"),
        ("!!!.e30.sig", "not a base64url character"),
        ("e30.bm90IGpzb24.c2ln", "cannot be decoded"),  # payload is not JSON
        ("e30.WzFd.c2ln", "cannot be decoded"),  # payload is a JSON array, not an object
        ("jwt-ü.a.b", "non-ASCII"),
    ],
)
def test_decode_failures(api: ResourceServer, token: str, fact: str) -> None:
    with pytest.raises(MalformedTokenError, match=fact) as ei:
        api.verify(token)
    assert statuses(ei.value) == [F, N, N]
    assert ei.value.error == "invalid_token" and ei.value.status == 401


def test_rfc7519_7_2_a_changed_character_says_which_part_stopped_being_json(
        api: ResourceServer, forge: Forge) -> None:
    """RFC 7519 §7.2 steps 7-10: each part must decode to a JSON object. A learner who changes
    one character of a real token's payload is told, in words, that the payload no longer
    decodes to JSON — never a bare parser message such as "Expecting ',' delimiter"."""
    header, payload, signature = forge().split(".")
    told = set()
    for i in range(len(payload)):
        for c in "AQxz":
            edited = payload[:i] + c + payload[i + 1:]
            if edited == payload:
                continue
            try:
                api.verify(f"{header}.{edited}.{signature}")
            except MalformedTokenError as err:
                assert err.description.startswith("cannot be decoded: the payload (second part)"), (
                    err.description)
                told.add(err.description.split(":")[1])
            except TokenError:
                pass  # still JSON: the signature step refuses it
    assert told, "some edit broke the JSON"
    with pytest.raises(MalformedTokenError, match=r"the header \(first part\)"):
        api.verify(f"e30x.{payload}.{signature}")


def test_rfc4648_3_5_a_changed_last_character_is_named_as_a_non_canonical_ending(
        api: ResourceServer, forge: Forge) -> None:
    """Changing the very last character of a signature often leaves non-zero spare bits, which
    PyJWT refuses as "padding": the message must not claim the length is wrong."""
    header, payload, signature = forge().split(".")
    said = set()
    for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_":
        if c == signature[-1]:
            continue
        try:
            api.verify(f"{header}.{payload}.{signature[:-1]}{c}")
        except MalformedTokenError as err:
            said.add(err.description)
        except TokenError:
            pass
    assert said and all("canonical base64url ending" in d and "length" not in d for d in said)
    with pytest.raises(MalformedTokenError, match="length is not one base64url can have"):
        api.verify(f"{header}.{payload}.{signature}AAA")  # 89 characters: no base64url length


def test_huge_input_is_refused_before_parsing(api: ResourceServer) -> None:
    with pytest.raises(MalformedTokenError, match="longer than") as ei:
        api.verify("a" * 1_000_000)
    assert statuses(ei.value) == [F, N, N]


def test_non_ascii_bytes(api: ResourceServer) -> None:
    with pytest.raises(MalformedTokenError, match="not ASCII"):
        api.verify("é.é.é".encode())


def test_bytes_are_accepted(api: ResourceServer, forge: Forge) -> None:
    assert api.verify(forge().encode())["sub"] == "alice"


@pytest.mark.parametrize("bad", [None, 1, 1.5, ["a.b.c"], {"token": 1}, object()])
def test_other_types_raise_type_error(api: ResourceServer, bad: object) -> None:
    with pytest.raises(TypeError, match="str or bytes"):
        api.verify(bad)  # type: ignore[arg-type]


# -- step 2: signature --------------------------------------------------------------------------

def test_alg_none_is_rejected(api: ResourceServer, forge: Forge, auth) -> None:
    token = jwt.encode({"sub": "x"}, None, algorithm="none",
                       headers={"kid": auth.keys.current.kid, "typ": "at+jwt"})
    with pytest.raises(AlgorithmNotAllowedError, match="unsigned") as ei:
        api.verify(token)
    assert statuses(ei.value) == [P, F, N]


def test_alg_off_the_allow_list(auth, forge: Forge) -> None:
    api = ResourceServer(API, auth, policy=VerifierPolicy(ISSUER, API, algorithms={"ES256"}))
    with pytest.raises(AlgorithmNotAllowedError, match="allow-list"):
        api.verify(forge())


def test_alg_confusion_hs256_with_the_public_key(api: ResourceServer, auth, forge: Forge) -> None:
    public = auth.keys.current._private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    token = forge(key=public, algorithm="HS256")
    with pytest.raises(AlgorithmNotAllowedError, match="its own algorithm") as ei:
        api.verify(token)
    assert statuses(ei.value) == [P, F, N]


def test_missing_kid(api: ResourceServer, forge: Forge) -> None:
    with pytest.raises(InvalidHeaderError, match="no 'kid'") as ei:
        api.verify(forge(drop_header=("kid",)))
    assert ei.value.parameter == "kid"


def test_unknown_kid(api: ResourceServer, forge: Forge) -> None:
    with pytest.raises(UnknownKeyError, match="'nope'") as ei:
        api.verify(forge(header={"kid": "nope"}))
    assert ei.value.kid == "nope"


@pytest.mark.parametrize("param", ["jku", "jwk", "x5u", "x5c"])
def test_header_supplied_keys_are_refused(api: ResourceServer, forge: Forge, param: str) -> None:
    with pytest.raises(InvalidHeaderError, match=param) as ei:
        api.verify(forge(header={param: "https://evil.example/keys"}))
    assert ei.value.parameter == param


def test_crit_is_refused(api: ResourceServer, forge: Forge, auth) -> None:
    # PyJWT drops "b64": true when encoding, so the header is written by hand here.
    header = {"alg": "EdDSA", "kid": auth.keys.current.kid, "typ": "at+jwt",
              "crit": ["b64"], "b64": True}
    _, payload, sig = forge().split(".")
    token = f"{base64url_encode(json.dumps(header).encode()).decode()}.{payload}.{sig}"
    with pytest.raises(InvalidHeaderError, match="critical") as ei:
        api.verify(token)
    assert statuses(ei.value) == [P, F, N]
    with pytest.raises(MalformedTokenError, match="critical extension"):
        api.verify(forge(header={"crit": ["exp"]}))


def test_signature_from_another_key(api: ResourceServer, forge: Forge) -> None:
    token = forge(key=ed25519.Ed25519PrivateKey.generate())
    with pytest.raises(InvalidSignatureError, match="does not match") as ei:
        api.verify(token)
    assert statuses(ei.value) == [P, F, N]
    assert ei.value.report is not None and ei.value.report.claims is not None  # shown unverified


def test_tampered_payload(api: ResourceServer, forge: Forge) -> None:
    h, _, s = forge().split(".")
    _, p, _ = forge(scope="weather:read weather:write admin").split(".")
    with pytest.raises(InvalidSignatureError):
        api.verify(f"{h}.{p}.{s}")


# -- step 3: claims and policy ------------------------------------------------------------------

@pytest.mark.parametrize("typ", ["at+jwt", "AT+JWT", "application/at+jwt", "Application/AT+JWT"])
def test_typ_accepted_case_insensitively(api: ResourceServer, forge: Forge, typ: str) -> None:
    assert api.verify(forge(header={"typ": typ}))


@pytest.mark.parametrize("typ", ["JWT", "at+jwt ", "dpop+jwt", 1])
def test_typ_refused(api: ResourceServer, forge: Forge, typ: object) -> None:
    with pytest.raises(InvalidHeaderError, match="typ") as ei:
        api.verify(forge(header={"typ": typ}))
    assert statuses(ei.value) == [P, P, F]


def test_typ_missing(api: ResourceServer, forge: Forge) -> None:
    with pytest.raises(InvalidHeaderError, match="at\\+jwt"):
        api.verify(forge(drop_header=("typ",)))


@pytest.mark.parametrize("claim", RFC9068_REQUIRED_CLAIMS)
def test_each_required_claim(api: ResourceServer, forge: Forge, claim: str) -> None:
    with pytest.raises(MissingClaimError, match=claim) as ei:
        api.verify(forge(drop=(claim,)))
    assert ei.value.claim == claim
    assert statuses(ei.value) == [P, P, F]


@pytest.mark.parametrize("iss", ["https://auth.example/", "https://AUTH.example", "https://evil.example"])
def test_issuer_must_match_exactly(api: ResourceServer, forge: Forge, iss: str) -> None:
    with pytest.raises(InvalidIssuerError, match="exact match"):
        api.verify(forge(iss=iss))


def test_audience(api: ResourceServer, forge: Forge) -> None:
    assert api.verify(forge(aud=["https://other.example", API]))
    with pytest.raises(InvalidAudienceError, match="another API"):
        api.verify(forge(aud="https://other.example"))
    with pytest.raises(InvalidAudienceError):
        api.verify(forge(aud=[]))
    with pytest.raises(InvalidClaimError, match="aud must be"):
        api.verify(forge(aud=[API, 3]))


@pytest.mark.parametrize(
    ("claim", "value"),
    [("exp", "tomorrow"), ("exp", True), ("iat", None), ("nbf", [1]), ("sub", 7), ("jti", ""),
     ("client_id", {"id": 1}), ("scope", ["weather:read"])],
)
def test_malformed_claims(api: ResourceServer, forge: Forge, claim: str, value: object) -> None:
    with pytest.raises(InvalidClaimError) as ei:
        api.verify(forge(**{claim: value}))
    assert ei.value.claim == claim


# -- time: RFC 7519 §4.1.4 "on or after" ----------------------------------------------------------

def _token_expiring_at(forge: Forge, clock: SimClock) -> tuple[str, int]:
    exp = int(clock.time()) + 300
    return forge(exp=exp), exp


def test_exp_boundaries_without_leeway(api: ResourceServer, forge: Forge, clock: SimClock) -> None:
    token, exp = _token_expiring_at(forge, clock)
    clock.advance(exp - 1 - clock.time())
    assert api.verify(token)  # exp - 1: still valid
    clock.advance(1)  # == exp
    with pytest.raises(ExpiredTokenError, match="expired 0 s ago, at 2030-01-01 00:05:00 UTC"):
        api.verify(token)
    clock.advance(1)  # exp + 1
    with pytest.raises(ExpiredTokenError, match="expired 1 s ago") as ei:
        api.verify(token)
    assert ei.value.expired_for == 1 and ei.value.exp == exp


def test_exp_fraction_of_a_second_before(api: ResourceServer, forge: Forge, clock: SimClock) -> None:
    token, exp = _token_expiring_at(forge, clock)
    clock.advance(exp - clock.time() - 0.001)
    assert api.verify(token)


def test_exp_boundaries_with_leeway(auth, forge: Forge, clock: SimClock) -> None:
    api = ResourceServer(API, auth, leeway=30)
    token, exp = _token_expiring_at(forge, clock)
    clock.advance(exp + 29 - clock.time())
    assert api.verify(token)  # exp + leeway - 1: tolerated
    clock.advance(1)  # exp + leeway
    with pytest.raises(ExpiredTokenError, match=r"expired 30 s ago.*leeway ran out") as ei:
        api.verify(token)
    assert ei.value.leeway == 30


def test_expired_message_states_the_facts(api: ResourceServer, forge: Forge,
                                          clock: SimClock) -> None:
    token, _ = _token_expiring_at(forge, clock)
    clock.advance(312)
    with pytest.raises(ExpiredTokenError) as ei:
        api.verify(token)
    assert str(ei.value) == "expired 12 s ago, at 2030-01-01 00:05:00 UTC"
    assert ei.value.error == "invalid_token"
    assert statuses(ei.value) == [P, P, F]


def test_nbf_boundaries(auth, forge: Forge, clock: SimClock) -> None:
    now = int(clock.time())
    api = ResourceServer(API, auth)
    with pytest.raises(NotYetValidError, match="not valid before") as ei:
        api.verify(forge(nbf=now + 1))
    assert ei.value.claim == "nbf"
    assert api.verify(forge(nbf=now))  # on nbf: valid
    lenient = ResourceServer(API, auth, leeway=10)
    assert lenient.verify(forge(nbf=now + 10))
    with pytest.raises(NotYetValidError):
        lenient.verify(forge(nbf=now + 11))


def test_iat_in_the_future(auth, forge: Forge, clock: SimClock) -> None:
    now = int(clock.time())
    api = ResourceServer(API, auth)
    assert api.verify(forge(iat=now))
    with pytest.raises(NotYetValidError, match="issued in the future") as ei:
        api.verify(forge(iat=now + 1))
    assert ei.value.claim == "iat"
    assert ResourceServer(API, auth, leeway=5).verify(forge(iat=now + 5))


# -- scope -------------------------------------------------------------------------------------

def test_scope(api: ResourceServer, forge: Forge) -> None:
    token = forge(scope="weather:read weather:write")
    assert api.verify(token, scope="weather:read")
    assert api.verify(token, scope=["weather:read", "weather:write"])
    assert api.verify(token, scope="weather:write weather:read").scopes == (
        "weather:read", "weather:write")
    with pytest.raises(InsufficientScopeError, match="lacks 'admin'") as ei:
        api.verify(token, scope="weather:read admin")
    assert ei.value.status == 403 and ei.value.error == "insufficient_scope"
    assert ei.value.required == ("weather:read", "admin")
    assert statuses(ei.value) == [P, P, F]
    with pytest.raises(InsufficientScopeError, match="grants none"):
        api.verify(forge(scope=""), scope="weather:read")


# -- policy object ------------------------------------------------------------------------------

@pytest.mark.parametrize("algs", [{"none"}, {"EdDSA", "None"}, {"PS256"}, set()])
def test_policy_refuses_none_and_unknown_algorithms(algs: set[str]) -> None:
    with pytest.raises(ValueError, match=r"none|subset"):
        VerifierPolicy(ISSUER, API, algorithms=algs)


@pytest.mark.parametrize("leeway", [-1, float("nan"), float("inf")])
def test_policy_leeway_must_be_sane(leeway: float) -> None:
    with pytest.raises(ValueError, match="leeway"):
        VerifierPolicy(ISSUER, API, leeway=leeway)


def test_check_returns_the_report_without_raising(api: ResourceServer, forge: Forge) -> None:
    assert api.check(forge()).ok
    report = api.check("not a token")
    assert not report.ok and report.failed_step is not None
    assert report.failed_step.name == "decode"
    assert "✘ decode" in str(report)


# -- RFC 7515 §2: base64url without padding; one token, one text -------------------------------

_B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@pytest.mark.parametrize("where", ["header", "payload", "signature"])
@pytest.mark.parametrize("padding", ["=", "=="])
def test_rfc7515_2_a_padded_part_is_malformed(api: ResourceServer, forge: Forge, where: str,
                                              padding: str) -> None:
    """RFC 7515 §2: Base64url Encoding — "with all trailing '=' characters omitted". A padded
    token is another text for the same token: it would slip past anything keyed by the text
    (an introspection cache, a log search)."""
    parts = forge().split(".")
    i = ("header", "payload", "signature").index(where)
    parts[i] += padding
    with pytest.raises(MalformedTokenError, match=f"{where} part.*'='.*RFC 7515 §2") as ei:
        api.verify(".".join(parts))
    assert statuses(ei.value) == [F, N, N]


@pytest.mark.parametrize("bad", ["+", "/", " ", "%", "\t", "*"])
def test_rfc7515_2_a_character_outside_base64url_is_malformed(api: ResourceServer, forge: Forge,
                                                              bad: str) -> None:
    h, p, s = forge().split(".")
    with pytest.raises(MalformedTokenError, match="base64url"):
        api.verify(f"{h}.{p[:10]}{bad}{p[11:]}.{s}")


def test_rfc7515_2_changing_any_single_character_is_refused(api: ResourceServer,
                                                            forge: Forge) -> None:
    """Notebook 00 promises that any changed character is refused. For each position, the
    replacement flips only the lowest of the character's six bits: in the last character of a
    part those are bits a decoder may drop (non-canonical base64url), the change most likely to
    slip through. PyJWT refuses such non-canonical parts; this keeps it so."""
    token = forge()
    assert api.verify(token)
    for i, char in enumerate(token):
        if char == ".":
            continue
        flipped = _B64URL[_B64URL.index(char) ^ 1]
        changed = token[:i] + flipped + token[i + 1:]
        with pytest.raises(TokenError):
            api.verify(changed)


def test_rfc7515_2_every_other_last_character_of_the_signature_is_refused(
        api: ResourceServer, forge: Forge) -> None:
    token = forge()
    for char in _B64URL.replace(token[-1], ""):
        with pytest.raises(TokenError):
            api.verify(token[:-1] + char)


@pytest.mark.parametrize("scope", [
    "admin\u00a0weather:read",   # a no-break space: one scope token to RFC 6749, two to str.split()
    "admin\tweather:read",       # a tab
    "admin\nweather:read",       # a line feed
    "weather:read  admin",       # two spaces: an empty scope token between them
    " weather:read",             # a leading space
    "weather:read\u2003",        # an em space at the end
    'weather:"read"',            # a quote is not a scope-token character
])
def test_rfc6749_3_3_a_scope_claim_not_made_of_scope_tokens_and_single_spaces_is_refused(
        api: ResourceServer, forge: Forge, scope: str) -> None:
    """RFC 6749 §3.3: ``scope = scope-token *( SP scope-token )``, ``scope-token = 1*( %x21 /
    %x23-5B / %x5D-7E )``. Splitting on any whitespace would let ``"admin<NBSP>weather:read"``
    grant ``weather:read``; such a claim is malformed, whatever the request asks for."""
    token = forge(scope=scope)
    for asked in ("weather:read", None):
        with pytest.raises(InvalidClaimError, match="scope"):
            api.verify(token, scope=asked)


def test_rfc6749_3_3_an_empty_scope_claim_grants_nothing(api: ResourceServer, forge: Forge) -> None:
    token = forge(scope="")
    assert api.verify(token).scopes == ()
    with pytest.raises(InsufficientScopeError):
        api.verify(token, scope="weather:read")
