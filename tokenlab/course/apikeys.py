"""Static API keys, for comparison with tokens (notebook 02).

An API key is one long random string that the API looks up on every request: no claims, no
expiry, valid until someone revokes it. Done properly (as GitHub, Stripe and others do):

- the key has a public, non-secret *prefix* that names it (``tlk_3f9a1c2b_...``), so the server
  finds the record without scanning, and leaked keys are easy to recognise in code and logs;
- the server stores only a SHA-256 hash of the key — a key is 256 random bits, so a plain hash
  is enough (a slow KDF is for low-entropy passwords) — and compares in constant time;
- the full key is shown once, when it is issued.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..clock import Clock, format_time
from ..errors import InvalidRequestError, TokenError
from ..jose.tokens import shorten
from ..randomness import RandomSource

__all__ = ["APIKeyRecord", "APIKeyStore", "InvalidAPIKeyError", "IssuedAPIKey"]

_KEY = re.compile(r"tlk_([0-9a-f]{8})_([A-Za-z0-9_-]{43})")
_DUMMY = hashlib.sha256(b"tokenlab: no such key").digest()


class InvalidAPIKeyError(TokenError):
    """The key is unknown, malformed or revoked (HTTP 401)."""


@dataclass(frozen=True, slots=True)
class IssuedAPIKey:
    """What the owner receives, once. The repr shows only the prefix."""

    key: str
    key_id: str
    owner: str
    scopes: tuple[str, ...]
    created_at: float

    def __repr__(self) -> str:
        return (f"IssuedAPIKey(key={shorten(self.key, 13)!r}, owner={self.owner!r}, "
                f"scopes={self.scopes!r}, created {format_time(self.created_at)}, no expiry)")


@dataclass(slots=True)
class APIKeyRecord:
    """What the server keeps: the hash, never the key."""

    key_id: str
    key_hash: bytes
    owner: str
    scopes: tuple[str, ...]
    created_at: float
    revoked_at: float | None = None
    last_used_at: float | None = None
    uses: int = 0


class APIKeyStore:
    """Issues, checks and revokes API keys."""

    def __init__(self, random: RandomSource, clock: Clock) -> None:
        self._random = random
        self._clock = clock
        self._records: dict[str, APIKeyRecord] = {}

    def issue(self, owner: str, scopes: Iterable[str] = ()) -> IssuedAPIKey:
        if not isinstance(owner, str) or not owner.strip():
            raise ValueError("an API key needs an owner, e.g. 'weather-app'")
        scope_tuple = tuple(scopes)
        if not all(isinstance(s, str) and s for s in scope_tuple):
            raise TypeError("scopes must be non-empty strings")
        key_id = self._random.hex("api_key_id", 4)
        while key_id in self._records:  # pragma: no cover - 2^-32
            key_id = self._random.hex("api_key_id", 4)
        key = f"tlk_{key_id}_{self._random.token_urlsafe('api_key', 32)}"
        now = self._clock.time()
        self._records[key_id] = APIKeyRecord(key_id, hashlib.sha256(key.encode()).digest(), owner,
                                             scope_tuple, now)
        return IssuedAPIKey(key, key_id, owner, scope_tuple, now)

    def check(self, key: str) -> APIKeyRecord:
        """The key's record if it is valid; :class:`InvalidAPIKeyError` otherwise."""
        if not isinstance(key, str):
            raise TypeError(f"an API key is a string, not {type(key).__name__}")
        match = _KEY.fullmatch(key)
        if match is None:
            raise InvalidAPIKeyError(
                "not an API key of this service: expected tlk_<8 hex>_<43 characters>")
        record = self._records.get(match.group(1))
        given = hashlib.sha256(key.encode()).digest()
        expected = record.key_hash if record is not None else _DUMMY
        if not hmac.compare_digest(given, expected) or record is None:
            raise InvalidAPIKeyError("unknown API key")
        if record.revoked_at is not None:
            raise InvalidAPIKeyError(f"API key {record.key_id} was revoked at "
                                     f"{format_time(record.revoked_at)}")
        record.uses += 1
        record.last_used_at = self._clock.time()
        return record

    def revoke(self, key_id: str) -> None:
        record = self._records.get(key_id)
        if record is None:
            raise InvalidRequestError(f"no API key with id {key_id!r}")
        if record.revoked_at is None:
            record.revoked_at = self._clock.time()

    def records(self) -> list[APIKeyRecord]:
        return list(self._records.values())

    def __len__(self) -> int:
        return len(self._records)
