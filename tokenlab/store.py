"""Server state behind one small interface: revoked ``jti``s, refresh-token families,
authorization codes and replay caches.

Every entry carries the time after which it means nothing — a denylist entry lives until the
token's ``exp`` (plus the verifier's leeway) and no longer — so :meth:`Store.purge` keeps memory
bounded: once every revoked token has expired, a purge leaves the store empty.

:class:`MemoryStore` keeps everything in a dict: fast, and forgotten on restart (the lesson of
notebook 06). A durable store can implement the same protocol later.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol, runtime_checkable

__all__ = ["DENYLIST", "MemoryStore", "Store"]

#: The kind under which revoked access-token ``jti``s are kept.
DENYLIST = "revoked_jti"


@runtime_checkable
class Store(Protocol):
    """Namespaced key → value entries, each with an expiry time (POSIX seconds)."""

    def put(self, kind: str, key: str, value: Any, *, until: float) -> None: ...

    def get(self, kind: str, key: str) -> Any | None: ...

    def delete(self, kind: str, key: str) -> None: ...

    def contains(self, kind: str, key: str) -> bool: ...

    def purge(self, now: float) -> int: ...

    def clear(self) -> None: ...

    def __len__(self) -> int: ...


class MemoryStore:
    """An in-memory :class:`Store`; safe to share between threads."""

    def __init__(self) -> None:
        self._kinds: dict[str, dict[str, tuple[Any, float]]] = {}
        self.lock = threading.RLock()

    def put(self, kind: str, key: str, value: Any, *, until: float) -> None:
        with self.lock:
            entries = self._kinds.setdefault(kind, {})
            old = entries.get(key)
            # An entry never shortens: revoking twice keeps the later expiry.
            entries[key] = (value, until if old is None else max(until, old[1]))

    def get(self, kind: str, key: str) -> Any | None:
        entry = self._kinds.get(kind, {}).get(key)
        return None if entry is None else entry[0]

    def until(self, kind: str, key: str) -> float | None:
        entry = self._kinds.get(kind, {}).get(key)
        return None if entry is None else entry[1]

    def contains(self, kind: str, key: str) -> bool:
        entries = self._kinds.get(kind)
        return entries is not None and key in entries

    def delete(self, kind: str, key: str) -> None:
        with self.lock:
            self._kinds.get(kind, {}).pop(key, None)

    def keys(self, kind: str) -> list[str]:
        return list(self._kinds.get(kind, {}))

    def count(self, kind: str) -> int:
        return len(self._kinds.get(kind, {}))

    def purge(self, now: float) -> int:
        """Drop every entry whose time is over (``until <= now``); returns how many."""
        dropped = 0
        with self.lock:
            for kind in list(self._kinds):
                entries = self._kinds[kind]
                dead = [k for k, (_, until) in entries.items() if until <= now]
                for k in dead:
                    del entries[k]
                dropped += len(dead)
                if not entries:
                    del self._kinds[kind]
        return dropped

    def clear(self) -> None:
        with self.lock:
            self._kinds.clear()

    def __len__(self) -> int:
        return sum(len(e) for e in self._kinds.values())

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}={len(v)}" for k, v in self._kinds.items())
        return f"MemoryStore({sizes or 'empty'})"
