"""Verifying an access token in three visible steps: decode → signature → claims and policy.

1. **decode** — the text is a compact JWS: three base64url parts, a JSON-object header and a
   JSON-object payload (parsed by PyJWT, signature not yet checked).
2. **signature** — ``alg`` is allowed, the ``kid`` names a trusted key, the key's one algorithm is
   the header's ``alg`` (RFC 8725 §3.1), no header-supplied keys or unknown ``crit`` extensions,
   and PyJWT's algorithm confirms the signature.
3. **claims and policy** — ``typ`` is ``at+jwt`` (RFC 9068 §4), the RFC 9068 §2.2 claims are
   present and well-formed, ``iss`` matches exactly, ``aud`` names this API, the token is inside
   its lifetime on the injected clock (RFC 7519 §4.1.4/§4.1.5); then it is not revoked (the
   denylist or the authorization server's introspection answer); then it is presented as its
   confirmation claim says (a ``confirmation`` check the caller passes: a token bound to a DPoP
   key only with a proof by that key, never as a bearer token — RFC 7800 §3, RFC 9449 §7); and
   only then, it grants the scope asked for.

Validity comes before authorization: RFC 6750 §3.1 answers ``invalid_token`` for a token that is
"expired, revoked, malformed, or invalid for other reasons" and ``insufficient_scope`` only when
"the request requires higher privileges than provided by the access token" — a revoked token
provides none, so it is 401 whatever it asks for. :meth:`Verifier.validate` is the validity part
alone: the authorization server's introspection and revocation use it, so they and the APIs
cannot disagree about which tokens are valid (RFC 7662 §2.2).

PyJWT's own time checks read the wall clock, so they are switched off and the times are compared
against ``now`` passed in by the caller (from its :class:`~tokenlab.clock.Clock`).

The switchboard of mistakes (``VerifierPolicy.insecure_*``) is fenced: :class:`Verifier` refuses a
policy with a switch on, and only :class:`tokenlab.attacks.FencedVerifier`, a subclass, runs one.
The hooks it needs are here: step 2 is one method (:meth:`Verifier._signature_step`) that it
overrides, and the claim rules consult the switches only on the way to a refusal, so the hardened
path pays nothing for them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from typing import Any, ClassVar, NoReturn

import jwt

from ..clock import format_duration, format_time, is_numeric_date
from ..errors import (
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
from ..report import StepStatus, VerificationReport
from .decoding import THREE_B64URL_PARTS, ascii_text, not_base64url, undecodable
from .keys import VerificationKey
from .policy import VerifierPolicy

__all__ = ["ConfirmationCheck", "KeyLookup", "RevocationCheck", "SignatureNote", "VerifiedClaims",
           "Verifier", "parse_scope"]

#: ``(kid, now) -> trusted key or None``
KeyLookup = Callable[[str, float], VerificationKey | None]
#: ``(token, claims) -> None`` if the token is not revoked; else why it is revoked (a ``str``,
#: raised as :class:`RevokedTokenError`), or the :class:`TokenError` to refuse it with. Asked only
#: once every other validity rule has passed, before the scope is judged.
RevocationCheck = Callable[[str, dict[str, Any]], str | TokenError | None]
#: ``(token, claims) -> None`` if the token may be used as it was presented; else the
#: :class:`TokenError` to refuse it with (a DPoP-bound token sent as a bearer token, a proof by
#: another key: RFC 9449 §7). Asked after the revocation check, before the scope is judged.
ConfirmationCheck = Callable[[str, dict[str, Any]], TokenError | None]

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
#: RFC 6749 §3.3: scope = scope-token *( SP scope-token ); scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
_SCOPE = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+(?: [\x21\x23-\x5b\x5d-\x7e]+)*")
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


class SignatureNote(str):
    """What a fenced verifier's step 2 did instead of checking a trusted key's signature, shown
    as is in the report ("INSECURE: ...") where a hardened verifier names the trusted key."""

    __slots__ = ()


def _signature_ok(alg: object, kid: str) -> tuple[StepStatus, str]:
    if isinstance(kid, SignatureNote):
        return (_PASSED, str(kid))
    return (_PASSED, f"{alg} signature valid under trusted key {kid!r}")


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
        return tuple(scope.split(" ")) if isinstance(scope, str) and scope else ()

    @property
    def report(self) -> VerificationReport:
        """Built on first use, so the fast path pays nothing for it."""
        if self._report is None:
            now, kid, required, leeway, checked = self._ctx
            exp = self.get("exp")
            if leeway is None:
                life = "times are NumericDates; lifetime not checked"
            elif not is_numeric_date(exp):
                life = "no exp"
            elif now < exp:
                life = f"expires in {format_duration(exp - now)} (at {format_time(exp)})"
            else:  # accepted only thanks to the leeway: say so, never "expires in"
                life = (f"expired {format_duration(now - exp)} ago, at {format_time(exp)}, "
                        f"accepted within the {format_duration(leeway)} leeway (until "
                        f"{format_time(exp + leeway)})")
            claims = f"typ {self.header.get('typ')}; {checked or 'iss and aud match'}; {life}"
            if required:
                claims += f"; grants {' '.join(required)}"
            self._report = VerificationReport.build(
                [(_PASSED, _DECODED), _signature_ok(self.header.get("alg"), kid), (_PASSED, claims)],
                dict(self.header),
                dict(self),
            )
        return self._report


class Verifier:
    """Checks access tokens against a :class:`VerifierPolicy` and a key lookup.

    It refuses a policy with an ``insecure_*`` switch on (a ``ValueError``): that one runs only
    in :class:`tokenlab.attacks.FencedVerifier`.
    """

    #: True only for the fenced verifier of :mod:`tokenlab.attacks`.
    _fenced: ClassVar[bool] = False
    #: What the claims line of a success report says was checked (``None``: iss and aud).
    _claims_checked: str | None = None

    def __init__(self, policy: VerifierPolicy, keys: KeyLookup,
                 revocation: RevocationCheck | None = None) -> None:
        if policy.insecure_switches and not self._fenced:
            raise ValueError(
                f"this policy turns protections off ({', '.join(policy.insecure_switches)}); the "
                "hardened Verifier refuses it. Only the fenced verifier of tokenlab.attacks runs "
                "such a policy (ResourceServer picks it when a switch is on)")
        self.policy = policy
        self._keys = keys
        self._revocation = revocation

    # The hot path: a few calls, with the report built only when something fails.
    def verify(
        self, token: str | bytes, *, now: float, scope: str | Iterable[str] | None = None,
        confirmation: ConfirmationCheck | None = None,
    ) -> VerifiedClaims:
        """The token's claims if it passes all three steps; otherwise a :class:`TokenError`.

        Any ``str`` or ``bytes`` either passes or raises a ``TokenError`` whose ``.report`` says
        which step failed and why; any other type raises ``TypeError``. Every validity rule —
        the claims, then revocation, then ``confirmation`` (how the token was presented, see
        :data:`ConfirmationCheck`) — is checked before the scope, so an invalid token is
        ``invalid_token`` whatever it asks for (RFC 6750 §3.1).
        """
        required = parse_scope(scope)
        text = _as_text(token)
        header, claims, kid = self._check(text, now, None, self.policy.leeway)
        err: TokenError | None = None
        if self._revocation is not None:
            err = _revoked(self._revocation(text, claims), claims)
        if err is None and confirmation is not None:
            err = confirmation(text, claims)
        if err is None and required:
            err = _lacking(required, claims.get("scope"))
        if err is not None:
            self._fail(err, [(_PASSED, _DECODED), _signature_ok(header.get("alg"), kid)],
                       header, claims)
        return VerifiedClaims(claims, header,
                              (now, kid, required, self.policy.leeway, self._claims_checked))

    def validate(
        self, token: str | bytes, *, now: float, audiences: Collection[str] | None = None,
        check_lifetime: bool = True,
    ) -> VerifiedClaims:
        """The claims if ``token`` is valid by every rule of :meth:`verify` except revocation and
        scope; otherwise the same :class:`TokenError` (with its report).

        This is the one validity check that the API and the authorization server share:
        introspection answers ``active`` (RFC 7662 §2.2: "whether or not the presented token is
        currently active") by calling it, so it cannot call a token active that the APIs refuse.
        ``audiences`` replaces the policy's one audience: the authorization server accepts a
        token for any API it registered. ``check_lifetime=False`` still requires well-formed
        NumericDates but does not compare them with ``now``: revocation (RFC 7009) must find a
        token that is expired yet inside some API's leeway, or not valid yet.
        """
        text = _as_text(token)
        leeway = self.policy.leeway if check_lifetime else None
        header, claims, kid = self._check(
            text, now, None if audiences is None else frozenset(audiences), leeway)
        return VerifiedClaims(claims, header, (now, kid, (), leeway, self._claims_checked))

    def _check(
        self, text: str, now: float, audiences: frozenset[str] | None, leeway: float | None
    ) -> tuple[dict[str, Any], dict[str, Any], str]:
        """Steps 1, 2 and the validity rules of step 3; raises on the first failure. Returns the
        header, the claims and the kid of the key that verified the signature."""
        policy = self.policy
        # -- step 1: decode --------------------------------------------------------------------
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
        if THREE_B64URL_PARTS.fullmatch(text) is None:
            self._fail(not_base64url(text), [])
        try:
            decoded = _PYJWT.decode_complete(text, options=_PARSE_ONLY)  # type: ignore[arg-type]
        except (jwt.PyJWTError, ValueError, TypeError, RecursionError) as exc:
            self._fail(undecodable(exc, text), [])
        header: dict[str, Any] = decoded["header"]
        claims: dict[str, Any] = decoded["payload"]
        ok1 = (_PASSED, _DECODED)

        # -- step 2: signature -----------------------------------------------------------------
        err, kid = self._signature_step(text, header, decoded["signature"], now)
        if err is not None:
            self._fail(err, [ok1], header, claims)

        # -- step 3: claims and policy (validity; revocation and scope come after) -------------
        err = self._check_claims(header, claims, now, audiences, leeway)
        if err is not None:
            self._fail(err, [ok1, _signature_ok(header.get("alg"), kid)], header, claims)
        return header, claims, kid

    def _signature_step(self, text: str, header: dict[str, Any], signature: bytes,
                        now: float) -> tuple[TokenError | None, str]:
        """Step 2: ``(None, kid of the trusted key)`` when the signature is good, else
        ``(the error, "")``. ``alg`` is allowed and not ``none`` (RFC 8725 §3.2), the header
        carries no key of its own and no unknown ``crit`` (RFC 8725 §3.10, RFC 7515 §4.1.11),
        ``kid`` names a trusted key, that key's one algorithm is ``alg`` (RFC 8725 §3.1), and
        PyJWT's algorithm confirms the signature. The fenced verifier overrides this step."""
        policy = self.policy
        alg = header.get("alg")
        if not isinstance(alg, str) or not alg:
            return AlgorithmNotAllowedError("the header names no algorithm ('alg')",
                                            algorithm=alg), ""
        if alg.lower() == "none":
            return AlgorithmNotAllowedError(
                f"alg {alg!r} means an unsigned token; an API never accepts one "
                "(RFC 8725 §2.1, §3.2)", algorithm=alg), ""
        if alg not in policy.algorithms:
            return AlgorithmNotAllowedError(
                f"alg {alg!r} is not on this API's allow-list "
                f"({', '.join(sorted(policy.algorithms))})", algorithm=alg), ""
        if found := [p for p in _HEADER_KEY_PARAMS if p in header]:
            return InvalidHeaderError(
                f"the header carries {found[0]!r}, a key chosen by whoever made the token; this "
                "API trusts only the keys it was configured with (RFC 8725 §3.10)",
                parameter=found[0]), ""
        if "crit" in header:
            return InvalidHeaderError(
                f"the header marks extensions {header['crit']!r} as critical; this API "
                "understands none, so it must reject the token (RFC 7515 §4.1.11)",
                parameter="crit"), ""
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            return InvalidHeaderError(
                "the header has no 'kid', so no trusted key can be chosen for it",
                parameter="kid"), ""
        key = self._keys(kid, now)
        if key is None:
            return UnknownKeyError(
                f"no trusted key has kid {kid!r}: the token was signed by a key this API does "
                "not know, or one retired since", kid=kid), ""
        if key.algorithm != alg:
            return AlgorithmNotAllowedError(
                f"key {kid!r} is for {key.algorithm} only, but the header says {alg}; a key is "
                "used only with its own algorithm (RFC 8725 §3.1), which stops "
                "algorithm-confusion attacks", algorithm=alg), ""
        try:
            valid = key.verify(text[: text.rindex(".")].encode("ascii"), signature)
        except (ValueError, TypeError):
            valid = False
        if not valid:
            return InvalidSignatureError(
                f"the {alg} signature does not match the header and payload under key "
                f"{kid!r}: the token was altered, or signed with another key"), ""
        return None, kid

    def _check_claims(
        self, header: dict[str, Any], claims: dict[str, Any], now: float,
        audiences: frozenset[str] | None, leeway: float | None,
    ) -> TokenError | None:
        """The first claim rule ``claims`` breaks, or ``None``. ``audiences`` ``None``: the
        policy's audience; ``leeway`` ``None``: the lifetime is not compared with ``now``."""
        policy = self.policy
        typ = header.get("typ")
        if (not isinstance(typ, str) or typ.lower() not in policy._typ_lower) and not (
                policy.insecure_skip_typ):  # a fenced mistake, read only on the way to a refusal
            return InvalidHeaderError(
                f"typ is {typ!r}, but this API accepts only JWT access tokens, typ "
                f"{policy.typ[0]!r} (RFC 9068 §4; explicit typing, RFC 8725 §3.11)",
                parameter="typ")
        missing = [c for c in policy.required_claims if c not in claims]
        if missing and policy._unrequired:  # claims a fenced mistake stops requiring
            missing = [c for c in missing if c not in policy._unrequired]
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
            err = self._check_audience(aud, audiences)
            if err is not None:
                return err
        for name in ("exp", "nbf", "iat"):
            v = claims.get(name, _ABSENT)
            if v is not _ABSENT and not is_numeric_date(v):
                return InvalidClaimError(
                    f"{name} must be a NumericDate (seconds since 1970-01-01 UTC), got {v!r}",
                    claim=name)
        if leeway is not None:
            err = _check_lifetime(claims, now, leeway)
            if err is not None:
                return err
        scope = claims.get("scope", _ABSENT)
        if scope is not _ABSENT and not isinstance(scope, str):
            return InvalidClaimError(
                f"scope must be one space-separated string (RFC 9068 §2.2.3), got {scope!r}",
                claim="scope")
        if isinstance(scope, str) and scope and _SCOPE.fullmatch(scope) is None:
            return InvalidClaimError(
                f"scope {scope!r} is not scope tokens separated by single spaces: RFC 6749 §3.3 "
                "allows printable ASCII without quotes or backslashes in a token, and one space "
                "between tokens — no tabs, no other spaces", claim="scope")
        return None

    def _check_audience(self, aud: object, audiences: frozenset[str] | None) -> TokenError | None:
        """RFC 7519 §4.1.3: "If the principal processing the claim does not identify itself with
        a value in the "aud" claim when this claim is present, then the JWT MUST be rejected."
        """
        auds = [aud] if isinstance(aud, str) else aud
        if not isinstance(auds, list) or not all(isinstance(a, str) for a in auds):
            return InvalidClaimError(
                f"aud must be a string or a list of strings, got {aud!r}", claim="aud")
        if audiences is None:
            if self.policy.audience not in auds and not self.policy.insecure_skip_audience:
                return InvalidAudienceError(
                    f"aud is {aud!r}, but this API is {self.policy.audience!r}: a token meant "
                    "for another API is not accepted here (RFC 7519 §4.1.3)", claim="aud")
        elif audiences.isdisjoint(auds):
            known = ", ".join(sorted(audiences)) or "none yet"
            return InvalidAudienceError(
                f"aud is {aud!r}, which names none of the APIs this server issues tokens for "
                f"({known}) (RFC 7519 §4.1.3)", claim="aud")
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


def _as_text(token: str | bytes) -> str:
    """The token as text (:func:`~tokenlab.jose.decoding.ascii_text`), a failure reported."""
    try:
        return ascii_text(token, "a token")
    except MalformedTokenError as err:
        Verifier._fail(err, [])


def _check_lifetime(claims: dict[str, Any], now: float, leeway: float) -> TokenError | None:
    """``exp``, ``nbf`` and ``iat`` (already NumericDates) against ``now``, ``leeway`` either way."""
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
    return None


def _revoked(answer: str | TokenError | None, claims: dict[str, Any]) -> TokenError | None:
    """A revocation check's answer as the error to raise (``None``: not revoked)."""
    if answer is None or isinstance(answer, TokenError):
        return answer
    jti = claims.get("jti")
    return RevokedTokenError(f"the token with jti {jti!r} was revoked: {answer}",
                             jti=jti if isinstance(jti, str) else None)


def _lacking(required: tuple[str, ...], scope: object) -> InsufficientScopeError | None:
    """RFC 6750 §3.1 ``insufficient_scope``: "The request requires higher privileges than
    provided by the access token." Judged only for a token already known to be valid."""
    granted = tuple(scope.split(" ")) if isinstance(scope, str) and scope else ()
    lacking = [s for s in required if s not in granted]
    if not lacking:
        return None
    return InsufficientScopeError(
        f"this request needs scope {' '.join(required)!r}; the token grants "
        f"{' '.join(granted)!r} and lacks {' '.join(lacking)!r}"
        if granted else
        f"this request needs scope {' '.join(required)!r}; the token grants none",
        required=required, granted=granted)
