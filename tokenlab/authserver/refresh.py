"""Refresh-token families: rotation on every use and reuse detection (RFC 9700 §4.14).

A *family* is everything descended from one grant (a login, a code exchange): a chain of refresh
tokens, each spent when exchanged for the next, and the access tokens issued along the way. All
share the family's absolute expiry (``refresh_ttl`` from the grant): rotation never extends a
login. A spent refresh token presented again means a copy exists — the legitimate app or a thief,
the server cannot tell — so the whole family is revoked: its refresh tokens and, through the
denylist, its live access tokens.

A public client's family that began with a DPoP proof is bound to that proof's key (``jkt``,
RFC 9449 §5): each of its refresh tokens is good only with a proof signed by the same key.

Refresh tokens are opaque random strings; only their SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from ..sqlite_store import SQLiteStore, storable
from ..store import DENYLIST, MemoryStore

__all__ = ["FAMILY", "REFRESH", "Family", "RefreshRecord", "TokenFamilies", "token_hash"]

FAMILY = "refresh_family"
REFRESH = "refresh_token"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@storable("refresh_family")
@dataclass(frozen=True, slots=True)
class Family:
    """One grant's descendants. Immutable: a change is a new record written to the store."""

    family_id: str
    client_id: str
    subject: str
    scopes: tuple[str, ...]
    audience: str
    created_at: float
    expires_at: float
    revoked: bool = False
    revoked_reason: str = ""
    #: ``(jti, exp)`` of every access token issued in the family, oldest first.
    access_tokens: tuple[tuple[str, float], ...] = ()
    #: The thumbprint of the DPoP key its refresh tokens are bound to (public clients, RFC 9449
    #: §5), or ``None``: not bound.
    jkt: str | None = None


@storable("refresh_token")
@dataclass(frozen=True, slots=True)
class RefreshRecord:
    """One refresh token of a family (stored under the token's SHA-256). Immutable."""

    token_id: str
    family_id: str
    client_id: str
    issued_at: float
    spent: bool = False


class TokenFamilies:
    """Families and refresh tokens kept in a :class:`~tokenlab.store.MemoryStore` or a durable
    :class:`~tokenlab.sqlite_store.SQLiteStore`.

    Every change is an explicit :meth:`~tokenlab.store.Store.put` of a new immutable record, so a
    store that hands out copies (a database) loses nothing. Callers hold the server's lock around
    a read-check-write sequence.
    """

    def __init__(self, store: MemoryStore | SQLiteStore) -> None:
        self.store = store
        self.denylist_leeway: float = 0

    def create(self, family: Family) -> None:
        self.store.put(FAMILY, family.family_id, family, until=family.expires_at)

    def get(self, family_id: str) -> Family | None:
        family = self.store.get(FAMILY, family_id)
        return family if isinstance(family, Family) else None

    def add_refresh_token(self, family: Family, token: str, record: RefreshRecord) -> None:
        self.store.put(REFRESH, token_hash(token), record, until=family.expires_at)

    def find_refresh_token(self, token: str) -> RefreshRecord | None:
        record = self.store.get(REFRESH, token_hash(token))
        return record if isinstance(record, RefreshRecord) else None

    def spend(self, token: str, record: RefreshRecord, family: Family) -> None:
        """Mark a refresh token as exchanged: presented again, it reveals a copy."""
        self.store.put(REFRESH, token_hash(token), replace(record, spent=True),
                       until=family.expires_at)

    def add_access_token(self, family: Family, jti: str, exp: float) -> Family:
        """Record an access token issued in ``family``; returns the family as now stored."""
        current = self.get(family.family_id) or family
        updated = replace(current, access_tokens=(*current.access_tokens, (jti, exp)))
        # An access token issued near the family's end outlives it: keep the family until that
        # token is over (+ leeway), or it is dropped and a password change misses the token.
        self.store.put(FAMILY, family.family_id, updated,
                       until=max(family.expires_at, exp + self.denylist_leeway))
        return updated

    def revoke(self, family: Family, reason: str, now: float) -> int:
        """Revoke the family; its live access tokens go on the denylist. Returns how many."""
        current = self.get(family.family_id) or family
        if not current.revoked:
            self.store.put(FAMILY, family.family_id,
                           replace(current, revoked=True, revoked_reason=reason),
                           until=current.expires_at)
        live = 0
        for jti, exp in current.access_tokens:
            if exp + self.denylist_leeway > now:
                self.deny(jti, exp)
                live += 1
        return live

    def deny(self, jti: str, exp: float) -> None:
        """Put an access token's ``jti`` on the denylist until it expires anyway."""
        self.store.put(DENYLIST, jti, True, until=exp + self.denylist_leeway)

    def is_denied(self, jti: str) -> bool:
        return self.store.contains(DENYLIST, jti)

    def of_subject(self, subject: str) -> list[Family]:
        return [f for k in self.store.keys(FAMILY)
                if (f := self.get(k)) is not None and f.subject == subject]
