"""Server state behind one small interface: revoked ``jti``s, refresh-token families,
authorization codes and replay caches.

Every entry carries the time after which it means nothing. A denylist entry lives until the
token's ``exp`` (plus the largest leeway of any API) and no longer: RFC 7519 §4.1.4 says "the
current date/time MUST be before the expiration date/time listed in the 'exp' claim", so past that
every API refuses the token anyway and the entry guards nothing. (RFC 7009 §1: a revocation
"allows the authorization server to clean up data associated with that token".)

So the store keeps itself bounded: :class:`MemoryStore` keeps its entries in expiry order, and
every write (:meth:`~MemoryStore.put`, :meth:`~MemoryStore.delete`) first drops what is over on the
store's clock. Once every revoked token has expired, the next write leaves only live entries — no
caller has to remember :meth:`Store.purge` (which still works, for a ``now`` of one's choosing).

:class:`MemoryStore` keeps everything in dicts: fast, and forgotten on restart (the lesson of
notebook 06). :class:`~tokenlab.sqlite_store.SQLiteStore` keeps the same entries in an SQLite
file: they survive a restart and a ``kill -9`` (see :mod:`tokenlab.sqlite_store`).
"""

from __future__ import annotations

import heapq
import threading
from typing import Any, Protocol, runtime_checkable

from .clock import Clock, SystemClock

__all__ = ["DENYLIST", "MemoryStore", "Store", "check_clock", "check_until"]

#: The kind under which revoked access-token ``jti``s are kept.
DENYLIST = "revoked_jti"

#: Rebuild the expiry order when its stale records outnumber the live entries by this much.
_COMPACT_SLACK = 64


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
    """An in-memory :class:`Store` that drops expired entries as it is written; safe to share
    between threads.

    ``clock`` says when an entry's time is over: give it the server's clock (an
    :class:`~tokenlab.AuthServer` does), or a course's simulated time and the store's would
    disagree. Writes hold a lock and cost O(log n) amortised; reads never change the store, so
    an entry whose time is over can still be read until the next write drops it.
    """

    #: Forgotten when the process ends (a :class:`~tokenlab.sqlite_store.SQLiteStore` is durable).
    durable = False

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock: Clock = check_clock(clock)
        self._kinds: dict[str, dict[str, tuple[Any, float]]] = {}
        #: ``(until, kind, key)`` records, soonest first. A record is stale once its entry was
        #: deleted or re-put with a later ``until``; stale records are skipped, then compacted.
        self._expiry: list[tuple[float, str, str]] = []
        self.lock = threading.RLock()

    def put(self, kind: str, key: str, value: Any, *, until: float) -> None:
        """Store ``value`` until ``until``; an entry never shortens (revoking twice keeps the later
        expiry). A write: first every entry whose time is over is dropped — this one too, if its
        ``until`` has already passed."""
        check_until(until)
        with self.lock:
            now = self.clock.time()
            self._drop_expired(now)
            entries = self._kinds.setdefault(kind, {})
            old = entries.get(key)
            if old is not None and old[1] >= until:
                entries[key] = (value, old[1])  # the expiry record of ``old`` still holds
            elif until > now:
                entries[key] = (value, until)
                heapq.heappush(self._expiry, (until, kind, key))
                self._compact()
            elif not entries:
                del self._kinds[kind]

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
        """Remove one entry (its expiry record goes stale). A write: expired entries go too."""
        with self.lock:
            entries = self._kinds.get(kind)
            if entries is not None:
                entries.pop(key, None)
                if not entries:
                    del self._kinds[kind]
            self._drop_expired(self.clock.time())

    def keys(self, kind: str) -> list[str]:
        with self.lock:
            return list(self._kinds.get(kind, {}))

    def count(self, kind: str) -> int:
        return len(self._kinds.get(kind, {}))

    def purge(self, now: float) -> int:
        """Drop every entry whose time is over (``until <= now``); returns how many.

        The writes already do this on the store's clock; ``purge`` does it for a ``now`` of the
        caller's choosing."""
        with self.lock:
            return self._drop_expired(now)

    def _drop_expired(self, now: float) -> int:
        """Pop expiry records up to ``now``; drop each entry whose record is current. Locked."""
        dropped = 0
        expiry = self._expiry
        while expiry and expiry[0][0] <= now:
            until, kind, key = heapq.heappop(expiry)
            entries = self._kinds.get(kind)
            entry = None if entries is None else entries.get(key)
            if entries is None or entry is None or entry[1] != until:
                continue  # stale: deleted, or re-put with a later until
            del entries[key]
            dropped += 1
            if not entries:
                del self._kinds[kind]
        return dropped

    def _compact(self) -> None:
        """Rebuild the expiry order from the live entries once stale records dominate it, so
        memory follows the live entries: O(n) once per n stale records, O(1) amortised. Locked."""
        live = sum(len(e) for e in self._kinds.values())
        if len(self._expiry) > 2 * live + _COMPACT_SLACK:
            self._expiry = [(until, kind, key) for kind, entries in self._kinds.items()
                            for key, (_, until) in entries.items()]
            heapq.heapify(self._expiry)

    def clear(self) -> None:
        with self.lock:
            self._kinds.clear()
            self._expiry.clear()

    def __len__(self) -> int:
        with self.lock:
            return sum(len(e) for e in self._kinds.values())

    def __repr__(self) -> str:
        with self.lock:
            sizes = ", ".join(f"{k}={len(v)}" for k, v in self._kinds.items())
        return f"MemoryStore({sizes or 'empty'})"


def check_clock(clock: object) -> Clock:
    """``clock``, or the system clock for ``None``; a clear error for anything else."""
    if clock is not None and not isinstance(clock, Clock):
        raise TypeError(f"clock must be a Clock such as SimClock(), not {type(clock).__name__}")
    return clock if clock is not None else SystemClock()


def check_until(until: object) -> None:
    """An entry's end must be a time in POSIX seconds (not NaN: it would never expire)."""
    if isinstance(until, bool) or not isinstance(until, int | float):
        raise TypeError(f"until must be a time in POSIX seconds, not {type(until).__name__}")
    if until != until:  # NaN: no time is ever after it, so the entry could never expire
        raise ValueError("until must be a time in POSIX seconds, not NaN")
