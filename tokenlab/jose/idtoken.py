"""OpenID Connect ID tokens: issuing one, and the client's validation of it.

An ID token tells the *client* who logged in (OpenID Connect Core 1.0 §2): ``iss``, ``sub``,
``aud`` = the client's id, ``exp``, ``iat``, ``auth_time``, the ``nonce`` the client sent to
``/authorize`` (§3.1.2.1) and ``at_hash``, which ties it to the access token of the same response
(§3.1.3.6). Its header says ``typ: JWT``; an access token says ``at+jwt`` (RFC 9068 §2.1), so
neither can pass for the other where types are checked (RFC 8725 §3.11).

:func:`validate_id_token` is the client's side, the steps of §3.1.3.7 that apply to an ID token
from the token endpoint, plus §3.1.3.8's ``at_hash``. It checks like the API's verifier does,
in three visible steps: decode, signature (steps 6-8: the issuer's keys only, the key's one
algorithm, never a MAC or ``none``), then the claims in the order of §3.1.3.7 (steps 2-5, 9-11).
Every refusal is a :class:`~tokenlab.errors.TokenError` with the code ``invalid_id_token`` and a
description naming the step.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any, NoReturn

import jwt
from cryptography.hazmat.primitives.asymmetric import ed448

from ..clock import format_duration, format_time, is_numeric_date
from ..errors import (
    AlgorithmNotAllowedError,
    ExpiredTokenError,
    InvalidAudienceError,
    InvalidClaimError,
    InvalidHeaderError,
    InvalidIssuerError,
    InvalidSignatureError,
    MalformedTokenError,
    MissingClaimError,
    NotYetValidError,
    TokenError,
    UnknownKeyError,
)
from ..report import StepStatus, VerificationReport
from .decoding import THREE_B64URL_PARTS, ascii_text
from .keys import KeyRing, VerificationKey

__all__ = [
    "ID_TOKEN_ALGORITHMS",
    "ID_TOKEN_ERROR",
    "ID_TOKEN_TYP",
    "OPENID",
    "issue_id_token",
    "keys_from_jwks",
    "token_hash",
    "validate_id_token",
]

#: The scope value that makes an authorization request an OpenID Connect one (Core §3.1.2.1).
OPENID = "openid"
#: The ``typ`` of an ID token's header: a plain JWT (RFC 7519 §5.1), not ``at+jwt``.
ID_TOKEN_TYP = "JWT"  # noqa: S105 - a media type, not a secret
#: The error code of every refusal by :func:`validate_id_token` (the client's, not a server's).
ID_TOKEN_ERROR = "invalid_id_token"  # noqa: S105 - an error code, not a secret
#: The algorithms an ID token may be signed with here: public-key ones, checked with the issuer's
#: JWKS. A MAC (HS256) would need a secret shared with the client (Core §3.1.3.7 step 8, §10.1);
#: tokenlab registers none, so its clients accept none.
ID_TOKEN_ALGORITHMS = frozenset({"EdDSA", "ES256", "RS256"})
#: How long after ``iat`` a client still accepts an ID token by default (step 10's "acceptable
#: range is Client specific"); ``exp`` usually ends it first.
DEFAULT_MAX_AGE = 600
_MAX_TOKEN_CHARS = 16 * 1024
_HEADER_KEY_PARAMS = ("jwk", "jku", "x5u", "x5c")
_PYJWT = jwt.PyJWT()
_PARSE_ONLY: dict[str, Any] = {
    "verify_signature": False, "verify_exp": False, "verify_nbf": False, "verify_iat": False,
    "verify_aud": False, "verify_iss": False, "verify_sub": False, "verify_jti": False,
    "require": [],
}
_PASSED, _FAILED = StepStatus.PASSED, StepStatus.FAILED
_STEP = "OpenID Connect Core §3.1.3.7 step"

#: A key by ``kid`` among the issuer's keys (e.g. ``keys_from_jwks(jwks).get``), or ``None``.
IdTokenKeys = Callable[[str], VerificationKey | None]


# -- at_hash (Core §3.1.3.6) ----------------------------------------------------------------------


def token_hash(value: str, alg: str, crv: str | None = None) -> str:
    """The ``at_hash`` (or ``c_hash``) of ``value`` for an ID token signed with ``alg``.

    Core §3.1.3.6: "the base64url encoding of the left-most half of the hash of the octets of the
    ASCII representation of the access_token value, where the hash algorithm used is the hash
    algorithm used in the alg Header Parameter of the ID Token's JOSE Header" — SHA-256 for
    RS256/ES256/HS256 (and 384, 512 alike). ``EdDSA`` names no hash by itself, so the key's
    curve ``crv`` decides, as the OpenID Connect working group settled (connect issue #1125,
    2019-11-25; the *Token Hash Algorithms* implementer's guide): SHA-512 for Ed25519, SHAKE256
    with a 114-byte output for Ed448 (the hash EdDSA itself uses with that curve).
    """
    data = value.encode("ascii")
    if alg == "EdDSA":
        if crv == "Ed25519":
            digest = hashlib.sha512(data).digest()
        elif crv == "Ed448":
            digest = hashlib.shake_256(data).digest(114)
        elif crv is None:
            raise ValueError("EdDSA names no hash by itself: give the key's curve, "
                             "'Ed25519' or 'Ed448'")
        else:
            raise ValueError(f"EdDSA keys use the curve 'Ed25519' or 'Ed448', not {crv!r}")
    else:
        found = re.fullmatch(r"(?:HS|RS|ES|PS)(256|384|512)", alg)
        if found is None:
            raise ValueError(f"alg {alg!r} names no hash for at_hash: an ID token is never "
                             "unsigned ('none'), and tokenlab knows the HS, RS, ES, PS and "
                             "EdDSA families")
        digest = hashlib.new(f"sha{found.group(1)}", data).digest()
    return jwt.utils.base64url_encode(digest[: len(digest) // 2]).decode("ascii")


def _curve(key: VerificationKey) -> str | None:
    """The curve an EdDSA key is on (``None`` for the other algorithms)."""
    if key.algorithm != "EdDSA":
        return None
    return "Ed448" if isinstance(key.key, ed448.Ed448PublicKey) else "Ed25519"


# -- issuing (Core §2) -----------------------------------------------------------------------------


def issue_id_token(
    keys: KeyRing,
    *,
    issuer: str,
    subject: str,
    client_id: str,
    access_token: str,
    auth_time: float | None,
    nonce: str | None,
    ttl: int,
    now: float,
) -> tuple[str, dict[str, Any]]:
    """An ID token signed by the current key of ``keys``; returns ``(token, claims)``.

    ``auth_time`` is when the user logged in (left out when unknown); ``nonce`` the value the
    client sent to ``/authorize`` (left out when it sent none: Core §2 "If present in the
    Authentication Request, Authorization Servers MUST include a nonce Claim"). ``at_hash`` is
    computed for the algorithm of the key that signs, so a key rotation in between is retried.
    """
    iat = math.floor(now)
    for _ in range(3):
        key = keys.current
        if key.algorithm not in ID_TOKEN_ALGORITHMS:
            raise ValueError(
                f"the server signs with {key.algorithm}, a secret it shares with no client: no "
                "client could check an ID token signed with it (OpenID Connect Core §10.1); "
                f"use one of {', '.join(sorted(ID_TOKEN_ALGORITHMS))}")
        claims: dict[str, Any] = {
            "iss": issuer, "sub": subject, "aud": client_id, "exp": iat + ttl, "iat": iat,
        }
        if auth_time is not None:
            claims["auth_time"] = math.floor(auth_time)
        if nonce is not None:
            claims["nonce"] = nonce
        claims["at_hash"] = token_hash(access_token, key.algorithm, _curve(key.verification))
        token = keys.sign(claims, typ=ID_TOKEN_TYP)
        if jwt.get_unverified_header(token).get("kid") == key.kid:
            return token, claims
    raise RuntimeError("the signing key kept rotating while an ID token was being issued")


# -- the client's keys ------------------------------------------------------------------------------


def keys_from_jwks(jwks: object) -> dict[str, VerificationKey]:
    """The usable keys of a JWK Set (RFC 7517 §5) by ``kid``; a JWK that is not a usable public
    key with a ``kid`` and an ``alg`` is left out (it can verify nothing)."""
    found: dict[str, VerificationKey] = {}
    entries = jwks.get("keys") if isinstance(jwks, Mapping) else None
    for jwk in entries if isinstance(entries, list) else []:
        try:
            key = VerificationKey.from_jwk(jwk)
        except ValueError:
            continue
        if not key.symmetric:
            found[key.kid] = key
    return found


# -- validating (Core §3.1.3.7, §3.1.3.8) ---------------------------------------------------------


def validate_id_token(
    token: str | bytes,
    *,
    issuer: str,
    client_id: str,
    keys: IdTokenKeys,
    now: float,
    nonce: str | None,
    access_token: str | None,
    algorithms: Collection[str] = ID_TOKEN_ALGORITHMS,
    leeway: float = 0,
    max_age: float = DEFAULT_MAX_AGE,
    trusted_audiences: Collection[str] = (),
) -> dict[str, Any]:
    """The claims of ``token`` if it is a valid ID token for ``client_id`` from ``issuer``;
    otherwise a :class:`~tokenlab.errors.TokenError` (code ``invalid_id_token``) naming the step.

    ``keys`` finds the issuer's key by ``kid`` (its JWKS); ``nonce`` is the value sent to
    ``/authorize`` (``None``: none was sent, none is checked); ``access_token`` the one of the same
    token response, checked against ``at_hash`` when the ID token has one (§3.1.3.8 makes the
    check a MAY in the code flow; tokenlab's server always sends it). ``leeway`` tolerates clock
    skew for ``exp`` and ``iat``; ``max_age`` is how old ``iat`` may be; ``trusted_audiences`` the
    other audiences the client accepts next to itself (none by default).
    """
    text = _as_text(token)
    header, claims, signature = _decode(text)
    key = _check_signature(text, signature, header, claims, keys, frozenset(algorithms))
    passed = [(_PASSED, "three base64url parts, JSON header and claims"),
              (_PASSED, f"{header['alg']} signature valid under the issuer's key {key.kid!r}")]
    err = _check_claims(header, claims, issuer=issuer, client_id=client_id, now=now, nonce=nonce,
                        access_token=access_token, key=key, leeway=leeway, max_age=max_age,
                        trusted=frozenset(trusted_audiences))
    if err is not None:
        _fail(err, passed, header, claims)
    return claims


def _fail(err: TokenError, outcomes: list[tuple[StepStatus, str]],
          header: dict[str, Any] | None = None, claims: dict[str, Any] | None = None) -> NoReturn:
    err.error = ID_TOKEN_ERROR
    err.report = VerificationReport.build(
        [*outcomes, (_FAILED, err.description)],
        dict(header) if header is not None else None, dict(claims) if claims is not None else None)
    raise err


def _as_text(token: str | bytes) -> str:
    try:
        return ascii_text(token, "an ID token")
    except MalformedTokenError as err:
        _fail(err, [])


def _decode(text: str) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    """Step "decode": a compact JWS of three base64url parts with a JSON-object header and
    payload (RFC 7519 §7.2), nothing else checked yet."""
    if len(text) > _MAX_TOKEN_CHARS:
        _fail(MalformedTokenError(f"the ID token is {len(text):,} characters long; this client "
                                  f"reads at most {_MAX_TOKEN_CHARS:,}"), [])
    if not THREE_B64URL_PARTS.fullmatch(text):
        _fail(MalformedTokenError(
            "an ID token is a JWT: three base64url parts joined by dots "
            "(header.payload.signature); this is not one"), [])
    try:
        decoded = _PYJWT.decode_complete(text, options=_PARSE_ONLY)
    except (jwt.PyJWTError, ValueError, TypeError, RecursionError) as exc:
        _fail(MalformedTokenError(f"the ID token cannot be decoded: {exc}"), [])
    return decoded["header"], decoded["payload"], decoded["signature"]


def _check_signature(text: str, signature: bytes, header: dict[str, Any], claims: dict[str, Any],
                     keys: IdTokenKeys, algorithms: frozenset[str]) -> VerificationKey:
    """Steps 6-8: "The Client MUST validate the signature ... using the algorithm specified in
    the JWT alg Header Parameter. The Client MUST use the keys provided by the Issuer." """
    decoded = [(_PASSED, "three base64url parts, JSON header and claims")]
    alg, kid = header.get("alg"), header.get("kid")
    err: TokenError | None = None
    key: VerificationKey | None = None
    if not isinstance(alg, str) or alg.lower() == "none":
        err = AlgorithmNotAllowedError(
            f"alg is {alg!r}: an unsigned ID token proves nothing; the expected algorithm is "
            f"one of {', '.join(sorted(algorithms))} ({_STEP} 7; RFC 8725 §3.2)", algorithm=alg)
    elif alg.startswith("HS"):
        err = AlgorithmNotAllowedError(
            f"alg is {alg!r}, a MAC keyed with the client_secret ({_STEP} 8); this client "
            "registered no MAC algorithm, so it accepts only ID tokens signed with the issuer's "
            f"public keys ({', '.join(sorted(algorithms))})", algorithm=alg)
    elif alg not in algorithms:
        err = AlgorithmNotAllowedError(
            f"alg is {alg!r}; the expected algorithm is one of {', '.join(sorted(algorithms))} "
            f"({_STEP} 7)", algorithm=alg)
    elif found := [p for p in _HEADER_KEY_PARAMS if p in header]:
        err = InvalidHeaderError(
            f"the header carries {found[0]!r}, a key chosen by whoever made the token; "
            f"\"The Client MUST use the keys provided by the Issuer\" ({_STEP} 6; RFC 8725 "
            "§3.10)", parameter=found[0])
    elif "crit" in header:
        err = InvalidHeaderError(
            f"the header marks extensions {header['crit']!r} as critical; this client understands "
            "none, so it must reject the token (RFC 7515 §4.1.11)", parameter="crit")
    elif not isinstance(kid, str) or not kid:
        err = InvalidHeaderError("the header names no key ('kid'), so none of the issuer's keys "
                                 f"can be chosen to check it ({_STEP} 6)", parameter="kid")
    elif (key := keys(kid)) is None:
        err = UnknownKeyError(
            f"no key of the issuer's JWKS has kid {kid!r}: the ID token was signed by a key "
            f"the issuer does not publish ({_STEP} 6)", kid=kid)
    elif key.algorithm != alg:
        err = AlgorithmNotAllowedError(
            f"key {kid!r} is for {key.algorithm} only, but the header says {alg}; a key is used "
            f"only with its own algorithm ({_STEP} 7; RFC 8725 §3.1)", algorithm=alg)
    else:
        try:
            valid = key.verify(text[: text.rindex(".")].encode("ascii"), signature)
        except (ValueError, TypeError):
            valid = False
        if not valid:
            err = InvalidSignatureError(
                f"the {alg} signature does not match the header and claims under the issuer's "
                f"key {kid!r}: the ID token was altered, or signed with another key ({_STEP} 6)")
    if err is not None:
        _fail(err, decoded, header, claims)
    assert key is not None
    return key


def _check_claims(
    header: dict[str, Any], claims: dict[str, Any], *, issuer: str, client_id: str, now: float,
    nonce: str | None, access_token: str | None, key: VerificationKey, leeway: float,
    max_age: float, trusted: frozenset[str],
) -> TokenError | None:
    """The claims in the order of §3.1.3.7 (steps 2-5, 9-11), then §3.1.3.8's at_hash."""
    typ = header.get("typ")
    if typ is not None and (not isinstance(typ, str) or typ.lower() != ID_TOKEN_TYP.lower()):
        return InvalidHeaderError(
            f"typ is {typ!r}: that is not an ID token (typ 'JWT'); an access token says 'at+jwt' "
            "(RFC 9068 §2.1) and must not pass for an ID token (RFC 8725 §3.11)",
            parameter="typ")
    missing = [c for c in ("iss", "sub", "aud", "exp", "iat") if c not in claims]
    if missing:
        return MissingClaimError(
            f"required claim{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing "
            "(OpenID Connect Core §2 requires iss, sub, aud, exp and iat)", claim=missing[0])
    for name in ("iss", "sub"):
        if not isinstance(claims[name], str) or not claims[name]:
            return InvalidClaimError(f"{name} must be a non-empty string, got {claims[name]!r} "
                                     "(OpenID Connect Core §2)", claim=name)
    for name in ("exp", "iat", "auth_time"):
        if name in claims and not is_numeric_date(claims[name]):
            return InvalidClaimError(
                f"{name} must be a NumericDate (seconds since 1970-01-01 UTC), got "
                f"{claims[name]!r} (OpenID Connect Core §2)", claim=name)
    # Step 2
    if claims["iss"] != issuer:
        return InvalidIssuerError(
            f"iss is {claims['iss']!r}; this client logs in with {issuer!r}: \"The Issuer "
            "Identifier for the OpenID Provider ... MUST exactly match the value of the iss "
            f"(issuer) Claim\" ({_STEP} 2)", claim="iss")
    # Step 3
    aud = claims["aud"]
    auds = [aud] if isinstance(aud, str) else aud
    if not isinstance(auds, list) or not auds or not all(isinstance(a, str) for a in auds):
        return InvalidClaimError(f"aud must be a string or a list of strings, got {aud!r}",
                                 claim="aud")
    if client_id not in auds:
        return InvalidAudienceError(
            f"aud is {aud!r}: this ID token was issued to another client, not to this one "
            f"({client_id!r}), so it says nothing about a login here ({_STEP} 3)", claim="aud")
    strangers = [a for a in auds if a != client_id and a not in trusted]
    if strangers:
        return InvalidAudienceError(
            f"aud also names {', '.join(map(repr, strangers))}, an audience this client does not "
            f"trust: such an ID token MUST be rejected ({_STEP} 3)", claim="aud")
    # Steps 4 and 5
    azp = claims.get("azp")
    if len(auds) > 1 and azp is None:
        return MissingClaimError(
            "aud names several audiences but there is no azp saying which of them the ID token "
            f"was issued to ({_STEP} 4)", claim="azp")
    if azp is not None and azp != client_id:
        return InvalidClaimError(
            f"azp is {azp!r}: the ID token was issued to that party, not to this client "
            f"({client_id!r}) ({_STEP} 5)", claim="azp")
    # Step 9
    exp, iat = claims["exp"], claims["iat"]
    if now >= exp + leeway:
        msg = f"the ID token expired {format_duration(now - exp)} ago, at {format_time(exp)}"
        if leeway:
            msg += f" (the {format_duration(leeway)} leeway ran out at {format_time(exp + leeway)})"
        return ExpiredTokenError(f"{msg}: the current time MUST be before exp ({_STEP} 9)",
                                 exp=exp, now=now, leeway=leeway)
    # Step 10
    if iat > now + leeway:
        return NotYetValidError(
            f"iat says the ID token was issued at {format_time(iat)}, "
            f"{format_duration(iat - now)} from now: the issuer's clock or this client's is "
            f"wrong ({_STEP} 10)", claim="iat")
    if now - iat > max_age + leeway:
        return InvalidClaimError(
            f"iat says the ID token was issued {format_duration(now - iat)} ago, at "
            f"{format_time(iat)}; this client accepts ID tokens up to "
            f"{format_duration(max_age)} old ({_STEP} 10)", claim="iat")
    # Step 11
    if nonce is not None:
        got = claims.get("nonce")
        if got is None:
            return MissingClaimError(
                "this client sent a nonce to /authorize, so the ID token MUST carry a nonce "
                f"claim, and it has none ({_STEP} 11)", claim="nonce")
        if not isinstance(got, str) or not hmac.compare_digest(got.encode("utf-8", "replace"),
                                                               nonce.encode("utf-8", "replace")):
            return InvalidClaimError(
                "nonce is not the value this client sent to /authorize for this login: the ID "
                f"token belongs to another login, replayed here ({_STEP} 11)", claim="nonce")
    # §3.1.3.8
    at_hash = claims.get("at_hash")
    if access_token is not None and at_hash is not None:
        try:
            expected = token_hash(access_token, key.algorithm, _curve(key))
        except UnicodeEncodeError:  # not an access token any server issues: no match
            expected = ""
        if not isinstance(at_hash, str) or not expected or not hmac.compare_digest(
                at_hash.encode("utf-8", "replace"), expected.encode("ascii")):
            return InvalidClaimError(
                "at_hash does not match the access token of this response: the access token was "
                "swapped for another one (OpenID Connect Core §3.1.3.8)", claim="at_hash")
    return None
