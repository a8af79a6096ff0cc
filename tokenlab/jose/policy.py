"""Every security decision of a verifier, in one frozen object — hardened by default (RFC 8725).

The attack lessons later turn single protections off with named switches; nothing here can be
weakened by accident: ``none`` cannot be allowed, and the defaults are the safe values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..clock import is_numeric_date
from .keys import SUPPORTED_ALGORITHMS

__all__ = ["RFC9068_REQUIRED_CLAIMS", "VerifierPolicy"]

#: RFC 9068 §2.2: the claims every JWT access token MUST carry.
RFC9068_REQUIRED_CLAIMS = ("iss", "exp", "aud", "sub", "client_id", "iat", "jti")

#: Larger tokens are refused before any parsing; real access tokens are well under 1 KiB.
DEFAULT_MAX_TOKEN_BYTES = 16 * 1024


@dataclass(frozen=True, slots=True)
class VerifierPolicy:
    """What an API accepts.

    - ``issuer``: ``iss`` must equal it exactly (RFC 9068 §4).
    - ``audience``: ``aud`` must contain it (RFC 7519 §4.1.3, RFC 9068 §4).
    - ``algorithms``: the allow-list; on top of it, the token's ``alg`` must be the one algorithm
      of the key its ``kid`` names (RFC 8725 §3.1). ``none`` is never allowed.
    - ``typ``: accepted ``typ`` header values, compared case-insensitively (RFC 9068 §4,
      RFC 8725 §3.11: explicit typing keeps an ID token from passing as an access token).
    - ``required_claims``: RFC 9068 §2.2's list by default.
    - ``leeway``: seconds of tolerated clock skew for ``exp``/``nbf``/``iat``; 0 by default.
    """

    issuer: str
    audience: str
    algorithms: frozenset[str] = frozenset(SUPPORTED_ALGORITHMS)
    typ: tuple[str, ...] = ("at+jwt", "application/at+jwt")
    required_claims: tuple[str, ...] = RFC9068_REQUIRED_CLAIMS
    leeway: float = 0
    max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES
    _typ_lower: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("issuer", "audience"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ValueError(f"{name} must be a non-empty string, got {value!r}")
        algorithms = frozenset(self.algorithms)
        if any(not isinstance(a, str) or a.lower() == "none" for a in algorithms):
            raise ValueError("'none' can never be an allowed algorithm (RFC 8725 §3.2)")
        unknown = algorithms - set(SUPPORTED_ALGORITHMS)
        if unknown or not algorithms:
            raise ValueError(
                f"algorithms must be a non-empty subset of {', '.join(SUPPORTED_ALGORITHMS)}; "
                f"unknown: {sorted(unknown)}"
            )
        object.__setattr__(self, "algorithms", algorithms)
        if isinstance(self.leeway, bool) or not isinstance(self.leeway, int | float):
            raise TypeError(f"leeway must be a number of seconds, not {type(self.leeway).__name__}")
        # Added to NumericDates (exp + leeway), so it obeys their rule: finite, within float range.
        if not is_numeric_date(self.leeway) or self.leeway < 0:
            raise ValueError(f"leeway must be a finite number of seconds >= 0, got {self.leeway}")
        if not self.typ:
            raise ValueError("typ must list at least one accepted value")
        object.__setattr__(self, "_typ_lower", frozenset(t.lower() for t in self.typ))
        object.__setattr__(self, "required_claims", tuple(self.required_claims))
