"""Every security decision of a verifier, in one frozen object — hardened by default (RFC 8725).

The attack lessons turn single protections off with named switches, the ``insecure_*`` fields:
each is the real-world mistake that makes one attack work, all are off by default, and a policy
with any of them on runs only in the fenced verifier of :mod:`tokenlab.attacks` — the hardened
:class:`~tokenlab.jose.verify.Verifier` refuses it. Nothing here can be weakened by accident:
``none`` cannot be put on the allow-list, and the defaults are the safe values.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from ..clock import is_numeric_date
from .keys import SUPPORTED_ALGORITHMS

__all__ = ["INSECURE_HMAC_SECRET", "INSECURE_SWITCHES", "RFC9068_REQUIRED_CLAIMS", "VerifierPolicy"]

#: RFC 9068 §2.2: the claims every JWT access token MUST carry.
RFC9068_REQUIRED_CLAIMS = ("iss", "exp", "aud", "sub", "client_id", "iat", "jti")

#: Larger tokens are refused before any parsing; real access tokens are well under 1 KiB.
DEFAULT_MAX_TOKEN_BYTES = 16 * 1024

#: The switchboard of mistakes: each switch turns off one protection, and says what that breaks.
INSECURE_SWITCHES: dict[str, str] = {
    "insecure_skip_signature":
        "decodes without verifying: any signature passes, or none (RFC 8725 §3.3)",
    "insecure_accept_none":
        "accepts unsigned tokens, alg 'none' in any case (RFC 8725 §2.1)",
    "insecure_alg_from_header":
        "lets the token's header choose the algorithm and uses the stored key as-is: an RS256 "
        "key's PEM becomes an HMAC secret (RFC 8725 §2.1, §3.1)",
    "insecure_trust_jwk_header":
        "verifies with the key the token carries in its own jwk header (RFC 8725 §3.10)",
    "insecure_trust_jku_header":
        "fetches keys from the URL in the token's jku header (RFC 8725 §3.10)",
    "insecure_kid_as_path":
        "reads the HMAC key from the file the token's kid names (RFC 8725 §3.10)",
    "insecure_skip_typ":
        "does not check that the JWT is an access token: neither typ nor client_id and jti "
        "(RFC 8725 §3.11, RFC 9068 §4)",
    "insecure_skip_audience":
        "does not check aud: a token for another API passes (RFC 8725 §3.9)",
    "insecure_exp_optional":
        "does not require exp: a token without one lives forever (RFC 9068 §2.2)",
}
#: Not a verifier switch but an authorization server setting (``AuthServer(insecure_hmac_secret=...)``).
INSECURE_HMAC_SECRET = (
    "insecure_hmac_secret",
    "the authorization server signs with a weak HS256 secret, crackable from a word list "
    "(RFC 8725 §3.5)")
#: Claims a switch stops requiring, when it is on.
_UNREQUIRED = {"insecure_skip_typ": ("client_id", "jti"), "insecure_skip_audience": ("aud",),
               "insecure_exp_optional": ("exp",)}


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
    - ``insecure_*``: the mistakes of :data:`INSECURE_SWITCHES`, all ``False``. With any of them
      on, only :class:`tokenlab.attacks.FencedVerifier` runs the policy; the repr names them.
    """

    issuer: str
    audience: str
    algorithms: frozenset[str] = frozenset(SUPPORTED_ALGORITHMS)
    typ: tuple[str, ...] = ("at+jwt", "application/at+jwt")
    required_claims: tuple[str, ...] = RFC9068_REQUIRED_CLAIMS
    leeway: float = 0
    max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES
    insecure_skip_signature: bool = False
    insecure_accept_none: bool = False
    insecure_alg_from_header: bool = False
    insecure_trust_jwk_header: bool = False
    insecure_trust_jku_header: bool = False
    insecure_kid_as_path: bool = False
    insecure_skip_typ: bool = False
    insecure_skip_audience: bool = False
    insecure_exp_optional: bool = False
    _typ_lower: frozenset[str] = field(init=False, repr=False, compare=False)
    _insecure: tuple[str, ...] = field(init=False, repr=False, compare=False)
    #: The required claims a switch that is on stops requiring (empty when hardened).
    _unrequired: frozenset[str] = field(init=False, repr=False, compare=False)

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
        for name in INSECURE_SWITCHES:
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be True or False, got {getattr(self, name)!r}")
        on = tuple(name for name in INSECURE_SWITCHES if getattr(self, name))
        object.__setattr__(self, "_insecure", on)
        object.__setattr__(self, "_unrequired",
                           frozenset(c for name in on for c in _UNREQUIRED.get(name, ())))

    @property
    def insecure_switches(self) -> tuple[str, ...]:
        """The ``insecure_*`` switches that are on, in the order of :data:`INSECURE_SWITCHES`."""
        return self._insecure

    def __repr__(self) -> str:
        # The dataclass repr, with only the switches that are on: a hardened policy reads as before.
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self)
                          if f.repr and not f.name.startswith("insecure_"))
        return f"{type(self).__qualname__}({shown}{''.join(f', {n}=True' for n in self._insecure)})"
