"""PKCE, Proof Key for Code Exchange (RFC 7636), S256 only.

The app makes a random ``code_verifier``, sends ``code_challenge = BASE64URL(SHA256(verifier))``
with the authorization request, and the verifier itself with the code exchange. A thief who
intercepts the code lacks the verifier, so the code is useless to them. ``plain`` is refused:
it protects nothing if the challenge leaks (RFC 9700 §2.1.1 recommends S256).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

__all__ = ["S256", "check_verifier", "is_valid_challenge", "is_valid_verifier", "make_verifier",
           "s256_challenge"]

S256 = "S256"
# RFC 7636 §4.1: code-verifier = 43*128unreserved; unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
# An S256 challenge is the base64url encoding, without padding, of 32 bytes: 43 characters.
_CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}")


def make_verifier(nbytes: int = 32) -> str:
    """A fresh verifier: 32 random bytes → 43 base64url characters (RFC 7636 §4.1)."""
    return secrets.token_urlsafe(nbytes)


def s256_challenge(verifier: str) -> str:
    """``BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))`` (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def is_valid_verifier(verifier: object) -> bool:
    return isinstance(verifier, str) and _VERIFIER.fullmatch(verifier) is not None


def is_valid_challenge(challenge: object) -> bool:
    return isinstance(challenge, str) and _CHALLENGE.fullmatch(challenge) is not None


def check_verifier(verifier: str, challenge: str) -> bool:
    """RFC 7636 §4.6: recompute the challenge from the verifier; compare in constant time."""
    return is_valid_verifier(verifier) and hmac.compare_digest(s256_challenge(verifier), challenge)
