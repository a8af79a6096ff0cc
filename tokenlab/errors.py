"""One hierarchy of errors, rooted at :class:`TokenError`.

Each error carries the standard's code in ``.error`` (``invalid_token`` at an API, RFC 6750 §3.1;
``invalid_grant``, ``invalid_client``, ... at the token endpoint, RFC 6749 §5.2), the HTTP status
that goes with it, and a message that states the facts a beginner needs. The code depends on
where the fault is met: an expired access token at an API is ``invalid_token``; an expired refresh
token at the token endpoint is ``invalid_grant`` — same class, different ``error=``.

A verification error also carries ``.report``: what each of the three steps (decode, signature,
claims) found.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .report import VerificationReport

__all__ = [
    "AccessDeniedError",
    "AlgorithmNotAllowedError",
    "ExpiredTokenError",
    "InsufficientScopeError",
    "InvalidAudienceError",
    "InvalidClaimError",
    "InvalidClientError",
    "InvalidDPoPProofError",
    "InvalidGrantError",
    "InvalidHeaderError",
    "InvalidIssuerError",
    "InvalidRequestError",
    "InvalidScopeError",
    "InvalidSignatureError",
    "InvalidTargetError",
    "MalformedTokenError",
    "MissingClaimError",
    "NotYetValidError",
    "RefreshTokenReuseError",
    "RevokedTokenError",
    "TokenError",
    "UnauthorizedClientError",
    "UnknownKeyError",
    "UnsupportedGrantTypeError",
    "UnsupportedResponseTypeError",
    "UseDPoPNonceError",
]


class TokenError(Exception):
    """Root of every tokenlab error.

    ``error`` is the standard's code, ``status`` the HTTP status a server would answer with,
    ``description`` the human message (also ``str(err)``), ``report`` the verification report
    when the error came out of verifying a token.
    """

    error: str = "invalid_token"
    status: int = 401

    def __init__(
        self,
        description: str,
        *,
        error: str | None = None,
        status: int | None = None,
        report: VerificationReport | None = None,
    ) -> None:
        super().__init__(description)
        self.description = description
        if error is not None:
            self.error = error
        if status is not None:
            self.status = status
        self.report = report

    def to_dict(self) -> dict[str, Any]:
        """The JSON error body of RFC 6749 §5.2 / the fields of RFC 6750 §3."""
        return {"error": self.error, "error_description": self.description}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(error={self.error!r}, {self.description!r})"


# --- Verifying a token: decode → signature → claims --------------------------------------------


class MalformedTokenError(TokenError):
    """Step 1 failed: the text is not a compact JWS with a JSON header and a JSON-object payload."""


class InvalidHeaderError(TokenError):
    """The header asks for something this verifier refuses (no ``kid``, ``jku``, ``crit``, ``typ``)."""

    def __init__(self, description: str, *, parameter: str, **kw: Any) -> None:
        super().__init__(description, **kw)
        self.parameter = parameter


class AlgorithmNotAllowedError(InvalidHeaderError):
    """The header's ``alg`` is ``none``, off the allow-list, or not the algorithm of the key."""

    def __init__(self, description: str, *, algorithm: object, **kw: Any) -> None:
        super().__init__(description, parameter="alg", **kw)
        self.algorithm = algorithm


class UnknownKeyError(InvalidHeaderError):
    """No trusted key has the header's ``kid``."""

    def __init__(self, description: str, *, kid: object, **kw: Any) -> None:
        super().__init__(description, parameter="kid", **kw)
        self.kid = kid


class InvalidSignatureError(TokenError):
    """Step 2 failed: the signature does not match the header and payload under the trusted key."""


class InvalidClaimError(TokenError):
    """Step 3 failed on a claim; ``.claim`` names it."""

    def __init__(self, description: str, *, claim: str, **kw: Any) -> None:
        super().__init__(description, **kw)
        self.claim = claim


class MissingClaimError(InvalidClaimError):
    """A claim the policy requires is absent (RFC 9068 §2.2 lists the required ones)."""


class InvalidIssuerError(InvalidClaimError):
    """``iss`` is not exactly the trusted issuer (RFC 9068 §4)."""


class InvalidAudienceError(InvalidClaimError):
    """``aud`` does not name this API (RFC 7519 §4.1.3)."""


class ExpiredTokenError(InvalidClaimError):
    """Now is on or after ``exp`` (+ leeway): RFC 7519 §4.1.4.

    ``.exp``, ``.now`` and ``.leeway`` keep the evidence; ``.expired_for`` is ``now - exp``.
    """

    def __init__(
        self, description: str, *, exp: float, now: float, leeway: float = 0, **kw: Any
    ) -> None:
        super().__init__(description, claim="exp", **kw)
        self.exp = exp
        self.now = now
        self.leeway = leeway

    @property
    def expired_for(self) -> float:
        return self.now - self.exp


class NotYetValidError(InvalidClaimError):
    """Now is before ``nbf`` (RFC 7519 §4.1.5), or ``iat`` lies in the future (minus leeway)."""


class InsufficientScopeError(TokenError):
    """The token is valid but lacks a scope the request needs (RFC 6750 §3.1): HTTP 403."""

    error = "insufficient_scope"
    status = 403

    def __init__(
        self,
        description: str,
        *,
        required: tuple[str, ...],
        granted: tuple[str, ...],
        **kw: Any,
    ) -> None:
        super().__init__(description, **kw)
        self.required = required
        self.granted = granted


class RevokedTokenError(TokenError):
    """The token was revoked (RFC 7009) — by logout, a password change or reuse detection.

    At an API this is ``invalid_token`` (401); ``.jti`` names the revoked token.
    """

    def __init__(self, description: str, *, jti: str | None = None, **kw: Any) -> None:
        super().__init__(description, **kw)
        self.jti = jti


# --- The token endpoint: RFC 6749 §5.2 and RFC 8707 ---------------------------------------------


class InvalidRequestError(TokenError):
    """A parameter is missing, repeated, empty or of the wrong form."""

    error = "invalid_request"
    status = 400


class InvalidClientError(TokenError):
    """Client authentication failed: unknown client, wrong secret, or none given."""

    error = "invalid_client"
    status = 401


class InvalidGrantError(TokenError):
    """The grant (code, refresh token, password) is invalid, expired, revoked or not this client's."""

    error = "invalid_grant"
    status = 400


class RefreshTokenReuseError(InvalidGrantError):
    """A refresh token that was already exchanged came back (RFC 9700 §4.14.2).

    Either the legitimate app or a thief holds a copy; the server cannot tell which, so it
    revokes the whole family: every refresh token and every live access token descended from
    the same grant. ``.family_id`` names it.
    """

    def __init__(self, description: str, *, family_id: str, **kw: Any) -> None:
        super().__init__(description, **kw)
        self.family_id = family_id


class AccessDeniedError(TokenError):
    """The user did not authenticate or did not consent (RFC 6749 §4.1.2.1)."""

    error = "access_denied"
    status = 400


class UnsupportedGrantTypeError(TokenError):
    """The token endpoint does not know this ``grant_type`` (RFC 6749 §5.2)."""

    error = "unsupported_grant_type"
    status = 400


class UnsupportedResponseTypeError(TokenError):
    """The authorization endpoint supports only ``response_type=code`` (RFC 6749 §4.1.2.1)."""

    error = "unsupported_response_type"
    status = 400


class UnauthorizedClientError(TokenError):
    """This client may not use this grant type (e.g. a public client and client credentials)."""

    error = "unauthorized_client"
    status = 400


class InvalidScopeError(TokenError):
    """A requested scope is unknown, malformed, or not registered for the client."""

    error = "invalid_scope"
    status = 400


class InvalidTargetError(TokenError):
    """The ``resource`` is not an API this server issues tokens for (RFC 8707 §2)."""

    error = "invalid_target"
    status = 400


# --- DPoP proofs: RFC 9449 ----------------------------------------------------------------------


class InvalidDPoPProofError(TokenError):
    """A DPoP proof failed a check of RFC 9449 §4.3; ``.check`` names which one (the names and
    their order are ``tokenlab.jose.dpop_verify.CHECKS``).

    ``invalid_dpop_proof`` is answered 400 at the token endpoint (RFC 9449 §5) and 401 with
    ``WWW-Authenticate: DPoP error="invalid_dpop_proof"`` at an API (§7.1); the verifier is told
    which. A proof key that is not the one the token is bound to (``check == "jkt"``) is a fault
    of the token at an API: §7.1 answers it ``invalid_token`` ("Invalid DPoP key binding").
    """

    error = "invalid_dpop_proof"
    status = 400

    def __init__(self, description: str, *, check: str, **kw: Any) -> None:
        super().__init__(description, **kw)
        self.check = check


class UseDPoPNonceError(TokenError):
    """The server wants its own nonce in the proof, and the proof has none or not a current one
    (RFC 9449 §8 at the token endpoint: 400; §9 at an API: 401).

    ``.nonce`` is the fresh nonce to send back in the ``DPoP-Nonce`` header; the client makes a
    new proof with it and retries. ``.check`` is ``"nonce"``.
    """

    error = "use_dpop_nonce"
    status = 400
    check = "nonce"

    def __init__(self, description: str, *, nonce: str, **kw: Any) -> None:
        super().__init__(description, **kw)
        self.nonce = nonce
