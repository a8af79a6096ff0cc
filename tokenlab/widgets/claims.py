"""What each part of a JWT access token means, and its times said against a clock — the text
the TokenInspector shows next to a token's header and claims."""

from __future__ import annotations

from typing import Any

from ..clock import format_duration, format_time, is_numeric_date

__all__ = ["CLAIMS", "HEADER", "TIME_CLAIMS", "describe_time", "show_value"]

#: RFC 9068 §2.2 and RFC 7519 §4.1, in a sentence each.
CLAIMS = {
    "iss": "issuer: who made and signed the token; an API trusts exactly one",
    "sub": "subject: whom the token speaks for — a user, or the app itself (client credentials)",
    "aud": "audience: the API the token is for; any other API must refuse it",
    "exp": "expiry: on or after this moment the token is dead (RFC 7519 §4.1.4)",
    "iat": "issued at: when the authorization server signed it",
    "nbf": "not before: the token is not valid before this moment",
    "jti": "JWT id: unique per token — what a denylist records when the token is revoked",
    "client_id": "the app that asked for the token (RFC 9068 §2.2)",
    "scope": "what the token allows, space-separated (RFC 9068 §2.2.3)",
}
#: The header parameters an access token carries (RFC 7515 §4.1, RFC 9068 §2.1).
HEADER = {
    "typ": "type: at+jwt marks an access token (RFC 9068 §2.1), so an ID token cannot pass as one",
    "alg": "signature algorithm: the API accepts only its allow-list, never 'none' (RFC 8725)",
    "kid": "key id: which of the issuer's public keys checks the signature",
}
TIME_CLAIMS = ("exp", "iat", "nbf")
_LONGEST = 160


def describe_time(name: str, value: Any, now: float | None) -> str:
    """``'2030-01-01 00:05:00 UTC — expires in 4 min 48 s'``; without a clock, the time alone.

    A value that is not a NumericDate says so instead of failing."""
    if not is_numeric_date(value):
        return f"{show_value(value)} — not a NumericDate (seconds since 1970-01-01 UTC)"
    when = format_time(value)
    if now is None:
        return when
    gap = value - now
    ago, ahead = format_duration(-gap), format_duration(gap)
    if name == "exp":
        relative = (f"expires in {ahead}" if gap > 0 else
                    "expired just now: a token is dead at its exp" if gap == 0 else
                    f"expired {ago} ago")
    elif name == "iat":
        relative = (f"issued {ago} ago" if gap < 0 else "issued just now" if gap == 0 else
                    f"issued {ahead} in the future: a wrong clock, or a forged token")
    else:  # nbf
        relative = f"valid since {ago} ago" if gap <= 0 else f"not valid for another {ahead}"
    return f"{when} — {relative}"


def show_value(value: Any) -> str:
    """A claim value for display: strings as they are, the rest as JSON-ish ``repr``; long
    values cut, so a pasted giant claim cannot flood the page."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= _LONGEST else f"{text[:_LONGEST]}… ({len(text):,} characters)"
