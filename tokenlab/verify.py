"""Verifying an access token in three visible steps: decode → signature → claims and policy.

1. **decode** — the text is a compact JWS: three base64url parts, a JSON-object header and a
   JSON-object payload (parsed by PyJWT, signature not yet checked).
2. **signature** — ``alg`` is allowed, the ``kid`` names a trusted key, the key's one algorithm is
   the header's ``alg`` (RFC 8725 §3.1), no header-supplied keys or unknown ``crit`` extensions,
   and PyJWT's algorithm confirms the signature.
3. **claims and policy** — ``typ`` is ``at+jwt`` (RFC 9068 §4), the RFC 9068 §2.2 claims are
   present and well-formed, ``iss`` matches exactly, ``aud`` names this API, the token is inside
   its lifetime on the injected clock (RFC 7519 §4.1.4/§4.1.5), and it grants the scope asked for.

PyJWT's own time checks read the wall clock, so they are switched off and the times are compared
against ``now`` passed in by the caller (from its :class:`~tokenlab.clock.Clock`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

import jwt

from .clock import format_duration, format_time
from .errors import (
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
    RevokedTokenError,
    TokenError,
    UnknownKeyError,
)
from .keys import VerificationKey
from .policy import VerifierPolicy
from .report import StepStatus, VerificationReport

__all__ = ["KeyLookup", "RevocationCheck", "VerifiedClaims", "Verifier", "parse_scope"]

#: ``(kid, now) -> trusted key or None``
KeyLookup = Callable[[str, float], VerificationKey | None]
#: ``(token, claims) -> why the token is revoked, or None`` (a denylist or introspection answer)
RevocationCheck = Callable[[str, dict[str, Any]], str | None]

_PASSED, _FAILED = StepStatus.PASSED, StepStatus.FAILED
# Step 1 only parses: every PyJWT claim check is off (times are checked against our clock).
_PARSE_ONLY: dict[str, Any] = {
    "verify_signature": False,
    "verify_exp": False,
    "verify_nbf": False,
    "verify_iat": False,
    "verify_aud": False,
    "verify_iss": False,
    "verify_sub": False,
    "verify_jti": False,
    "require": [],
}
_PYJWT = jwt.PyJWT()
_HEADER_KEY_PARAMS = ("jku", "jwk", "x5u", "x5c")
_ABSENT: Any = object()
_DECODED = "three base64url parts; header and payload are JSON objects"


def parse_scope(scope: str | Iterable[str] | None) -> tuple[str, ...]:
    """Scopes as a tuple: ``"a b"`` or ``["a", "b"]`` → ``("a", "b")`` (RFC 6749 §3.3)."""
    if scope is None:
        return ()
    if isinstance(scope, str):
        return tuple(scope.split())
    try:
        items = tuple(scope)
    except TypeError:
        raise TypeError(
            f"scope must be a string like 'weather:read' or a list of them, not "
            f"{type(scope).__name__}") from None
    if not all(isinstance(s, str) for s in items):
        raise TypeError("scopes must be strings")
    return tuple(t for s in items for t in s.split())


def _is_number(v: object) -> bool:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:  # an int beyond float range (JSON allows 10**400): not a NumericDate
        return False


class VerifiedClaims(dict[str, Any]):
    """The claims of a token that passed all three steps; ``.header`` and ``.report`` too."""

    __slots__ = ("_ctx", "_report", "header")

    def __init__(self, claims: dict[str, Any], header: dict[str, Any], ctx: tuple[Any, ...]):
        super().__init__(claims)
        self.header = header
        self._ctx = ctx
        self._report: VerificationReport | None = None

    @property
    def scopes(self) -> tuple[str, ...]:
        scope = self.get("scope")
        return tuple(scope.split()) if isinstance(scope, str) else ()

    @property
    def report(self) -> VerificationReport:
        """Built on first use, so the fast path pays nothing for it."""
        if self._report is None:
            now, kid, required, leeway = self._ctx
            exp = self.get("exp")
            if not _is_number(exp):
                life = "no exp"
            elif now < exp:
                life = f"expires in {format_duration(exp - now)} (at {format_time(exp)})"
            else:  # accepted only thanks to the leeway: say so, never "expires in"
                life = (f"expired {format_duration(now - exp)} ago, at {format_time(exp)}, "
                        f"accepted within the {format_duration(leeway)} leeway (until "
                        f"{format_time(exp + leeway)})")
            claims = f"typ {self.header.get('typ')}; iss and aud match; {life}"
            if required:
                claims += f"; grants {' '.join(required)}"
            self._report = VerificationReport.build(
                [
                    (_PASSED, _DECODED),
                    (_PASSED, f"{self.header.get('alg')} signature valid under trusted key {kid!r}"),
                    (_PASSED, claims),
                ],
                dict(self.header),
                dict(self),
            )
        return self._report


class Verifier:
    """Checks access tokens against a :class:`VerifierPolicy` and a key lookup."""

    def __init__(self, policy: VerifierPolicy, keys: KeyLookup,
                 revocation: RevocationCheck | None = None) -> None:
        self.policy = policy
        self._keys = keys
        self._revocation = revocation

    # The hot path: kept flat, with the report built only when something fails.
    def verify(
        self, token: str | bytes, *, now: float, scope: str | Iterable[str] | None = None
    ) -> VerifiedClaims:
        """The token's claims if it passes all three steps; otherwise a :class:`TokenError`.

        Any ``str`` or ``bytes`` either passes or raises a ``TokenError`` whose ``.report`` says
        which step failed and why; any other type raises ``TypeError``.
        """
        policy = self.policy
        required = parse_scope(scope)
        # -- step 1: decode --------------------------------------------------------------------
        if isinstance(token, str):
            text = token
        elif isinstance(token, bytes | bytearray):
            try:
                text = bytes(token).decode("ascii")
            except UnicodeDecodeError:
                self._fail(MalformedTokenError(
                    "the bytes are not ASCII; a JWT is made only of base64url characters and dots"
                ), [])
        else:
            raise TypeError(f"a token is text (str or bytes), not {type(token).__name__}")
        if len(text) > policy.max_token_bytes:
            self._fail(MalformedTokenError(
                f"{len(text):,} characters is longer than the {policy.max_token_bytes:,} this API "
                "reads; real access tokens are a few hundred"
            ), [])
        if not text.isascii():
            self._fail(MalformedTokenError(
                "the text has non-ASCII characters; a JWT is made only of base64url characters "
                "and dots"
            ), [])
        if text.count(".") != 2:
            n = text.count(".") + 1 if text else 0
            self._fail(MalformedTokenError(
                "a JWT is three base64url parts joined by dots (header.payload.signature); "
                f"this has {n} part{'s' if n != 1 else ''}"
            ), [])
        try:
            decoded = _PYJWT.decode_complete(text, options=_PARSE_ONLY)  # type: ignore[arg-type]
        except (jwt.PyJWTError, ValueError, TypeError, RecursionError) as exc:
            self._fail(MalformedTokenError(f"cannot be decoded: {exc}"), [])
        header: dict[str, Any] = decoded["header"]
        claims: dict[str, Any] = decoded["payload"]
        ok1 = (_PASSED, _DECODED)

        # -- step 2: signature -----------------------------------------------------------------
        alg = header.get("alg")
        err: TokenError | None = None
        key: VerificationKey | None = None
        if not isinstance(alg, str) or not alg:
            err = AlgorithmNotAllowedError("the header names no algorithm ('alg')", algorithm=alg)
        elif alg.lower() == "none":
            err = AlgorithmNotAllowedError(
                f"alg {alg!r} means an unsigned token; an API never accepts one "
                "(RFC 8725 §2.1, §3.2)", algorithm=alg)
        elif alg not in policy.algorithms:
            err = AlgorithmNotAllowedError(
                f"alg {alg!r} is not on this API's allow-list "
                f"({', '.join(sorted(policy.algorithms))})", algorithm=alg)
        elif found := [p for p in _HEADER_KEY_PARAMS if p in header]:
            err = InvalidHeaderError(
                f"the header carries {found[0]!r}, a key chosen by whoever made the token; this "
                "API trusts only the keys it was configured with (RFC 8725 §3.10)",
                parameter=found[0])
        elif "crit" in header:
            err = InvalidHeaderError(
                f"the header marks extensions {header['crit']!r} as critical; this API "
                "understands none, so it must reject the token (RFC 7515 §4.1.11)",
                parameter="crit")
        else:
            kid = header.get("kid")
            if not isinstance(kid, str) or not kid:
                err = InvalidHeaderError(
                    "the header has no 'kid', so no trusted key can be chosen for it",
                    parameter="kid")
            elif (key := self._keys(kid, now)) is None:
                err = UnknownKeyError(
                    f"no trusted key has kid {kid!r}: the token was signed by a key this API does "
                    "not know, or one retired since", kid=kid)
            elif key.algorithm != alg:
                err = AlgorithmNotAllowedError(
                    f"key {kid!r} is a {key.algorithm} key but the header says {alg}; a key is "
                    "used only with its own algorithm (RFC 8725 §3.1), which stops "
                    "algorithm-confusion attacks", algorithm=alg)
            else:
                try:
                    valid = key.verify(text[: text.rindex(".")].encode("ascii"),
                                       decoded["signature"])
                except (ValueError, TypeError):
                    valid = False
                if not valid:
                    err = InvalidSignatureError(
                        f"the {alg} signature does not match the header and payload under key "
                        f"{kid!r}: the token was altered, or signed with another key")
        if err is not None:
            self._fail(err, [ok1], header, claims)
        assert key is not None
        ok2 = (_PASSED, f"{alg} signature valid under trusted key {key.kid!r}")

        # -- step 3: claims and policy ---------------------------------------------------------
        err = self._check_claims(header, claims, now, required)
        if err is None and self._revocation is not None:
            reason = self._revocation(text, claims)
            if reason is not None:
                jti = claims.get("jti")
                err = RevokedTokenError(f"token {jti!r} was revoked: {reason}",
                                        jti=jti if isinstance(jti, str) else None)
        if err is not None:
            self._fail(err, [ok1, ok2], header, claims)
        return VerifiedClaims(claims, header, (now, key.kid, required, policy.leeway))

    def _check_claims(
        self, header: dict[str, Any], claims: dict[str, Any], now: float,
        required: tuple[str, ...],
    ) -> TokenError | None:
        policy = self.policy
        typ = header.get("typ")
        if not isinstance(typ, str) or typ.lower() not in policy._typ_lower:
            return InvalidHeaderError(
                f"typ is {typ!r}, but this API accepts only JWT access tokens, typ "
                f"{policy.typ[0]!r} (RFC 9068 §4; explicit typing, RFC 8725 §3.11)",
                parameter="typ")
        missing = [c for c in policy.required_claims if c not in claims]
        if missing:
            return MissingClaimError(
                f"required claim{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                f"missing (RFC 9068 §2.2 requires {', '.join(policy.required_claims)})",
                claim=missing[0])
        for name in ("sub", "jti", "client_id", "iss"):
            v = claims.get(name, _ABSENT)
            if v is not _ABSENT and (not isinstance(v, str) or not v):
                return InvalidClaimError(f"{name} must be a non-empty string, got {v!r}",
                                         claim=name)
        iss = claims.get("iss", _ABSENT)
        if iss is not _ABSENT and iss != policy.issuer:
            return InvalidIssuerError(
                f"iss is {iss!r}; this API trusts only {policy.issuer!r} (exact match, "
                "RFC 9068 §4)", claim="iss")
        aud = claims.get("aud", _ABSENT)
        if aud is not _ABSENT:
            auds = [aud] if isinstance(aud, str) else aud
            if not isinstance(auds, list) or not all(isinstance(a, str) for a in auds):
                return InvalidClaimError(
                    f"aud must be a string or a list of strings, got {aud!r}", claim="aud")
            if policy.audience not in auds:
                return InvalidAudienceError(
                    f"aud is {aud!r}, but this API is {policy.audience!r}: a token meant for "
                    "another API is not accepted here (RFC 7519 §4.1.3)", claim="aud")
        leeway = policy.leeway
        for name in ("exp", "nbf", "iat"):
            v = claims.get(name, _ABSENT)
            if v is not _ABSENT and not _is_number(v):
                return InvalidClaimError(
                    f"{name} must be a NumericDate (seconds since 1970-01-01 UTC), got {v!r}",
                    claim=name)
        exp = claims.get("exp")
        # RFC 7519 §4.1.4: "the current date/time MUST be before the expiration date/time".
        if exp is not None and now >= exp + leeway:
            msg = f"expired {format_duration(now - exp)} ago, at {format_time(exp)}"
            if leeway:
                msg += f" (the {format_duration(leeway)} leeway ran out at {format_time(exp + leeway)})"
            elif now == exp:
                msg += " — a token is rejected on or after its exp (RFC 7519 §4.1.4)"
            return ExpiredTokenError(msg, exp=exp, now=now, leeway=leeway)
        nbf = claims.get("nbf")
        if nbf is not None and now < nbf - leeway:
            return NotYetValidError(
                f"not valid before {format_time(nbf)}, {format_duration(nbf - now)} from now "
                "(RFC 7519 §4.1.5)", claim="nbf")
        iat = claims.get("iat")
        if iat is not None and iat > now + leeway:
            return NotYetValidError(
                f"issued in the future, at {format_time(iat)} ({format_duration(iat - now)} from "
                "now): the issuer's clock or the token is wrong", claim="iat")
        scope = claims.get("scope", _ABSENT)
        if scope is not _ABSENT and not isinstance(scope, str):
            return InvalidClaimError(
                f"scope must be one space-separated string (RFC 9068 §2.2.3), got {scope!r}",
                claim="scope")
        if required:
            granted = tuple(scope.split()) if isinstance(scope, str) else ()
            lacking = [s for s in required if s not in granted]
            if lacking:
                return InsufficientScopeError(
                    f"this request needs scope {' '.join(required)!r}; the token grants "
                    f"{' '.join(granted)!r} and lacks {' '.join(lacking)!r}"
                    if granted else
                    f"this request needs scope {' '.join(required)!r}; the token grants none",
                    required=required, granted=granted)
        return None

    @staticmethod
    def _fail(
        err: TokenError,
        outcomes: list[tuple[StepStatus, str]],
        header: dict[str, Any] | None = None,
        claims: dict[str, Any] | None = None,
    ) -> NoReturn:
        err.report = VerificationReport.build(
            [*outcomes, (_FAILED, err.description)],
            dict(header) if header is not None else None,
            dict(claims) if claims is not None else None,
        )
        raise err
