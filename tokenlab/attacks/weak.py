"""The weak HS256 secret: an authorization server setting, ``AuthServer(insecure_hmac_secret=...)``.

A strong HS256 key is 32 random bytes (RFC 7518 §3.2). A weak one is a word a person chose
("weather-app"): anyone holding one token can find it offline from a word list
(:func:`~tokenlab.attacks.wordlist.crack_hs256`, RFC 8725 §2.2) and then mint any token the
server would. PyJWT warns about such a key (it is shorter than 32 bytes), so the weak key signs
with the fence's own HMAC, which does not — no warning reaches a notebook; the repr says
INSECURE instead, and never shows the secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..clock import Clock
from ..jose.keys import KeyRing, SigningKey
from ..jose.policy import INSECURE_HMAC_SECRET
from ..randomness import RandomSource
from .algorithms import encode

__all__ = ["WeakSecretKey", "weak_key_ring"]


class WeakSecretKey(SigningKey):
    """An HS256 key whose secret is a human-chosen word."""

    __slots__ = ()
    insecure = INSECURE_HMAC_SECRET[0]

    def sign(self, claims: Mapping[str, Any], *, typ: str) -> str:
        return encode(claims, self._private, "HS256", headers={"kid": self.kid, "typ": typ})

    def __repr__(self) -> str:
        name, what = INSECURE_HMAC_SECRET
        return (f"SigningKey(kid={self.kid!r}, algorithm='HS256', INSECURE: {name} — {what})")


def weak_key_ring(secret: object, algorithm: str, random: RandomSource, clock: Clock) -> KeyRing:
    """A key ring whose first key is ``secret`` (a non-empty string), for an HS256 server;
    rotating it draws a strong random key, as for any server."""
    if not isinstance(secret, str | bytes):
        raise TypeError("insecure_hmac_secret must be a string, the weak secret, e.g. 'secret'")
    if algorithm != "HS256":
        raise ValueError("insecure_hmac_secret is an HS256 secret: pass algorithm='HS256' too")
    material = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    if not material:
        raise ValueError("insecure_hmac_secret is empty; even a weak secret has a few letters")
    key = WeakSecretKey(random.token_urlsafe("kid", 6), "HS256", material,
                        created_at=clock.time(), demo=random.seeded)
    return KeyRing("HS256", random, clock, first=key)
