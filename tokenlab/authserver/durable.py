"""What an authorization server keeps in a durable store besides its state: its signing keys,
so that tokens issued before a restart still verify after it, and a count of its runs, so that
a seeded server does not draw the same ids again after a restart.

The keys are kept per issuer, one entry per key (kind :func:`signing_key_kind`, the private key
as PKCS#8 PEM), and which one signs (kind :data:`CURRENT_KEY`). A retired key's entry expires
with its last token (+ the largest leeway of any API), so the file forgets a retired private key
when the JWKS stops publishing it. The store's file is therefore a secret
(:class:`~tokenlab.sqlite_store.SQLiteStore` creates it 0600).

Several processes may share one file: each loads the keys when it starts; a rotation in one is
seen by the others when they restart.
"""

from __future__ import annotations

import math
from typing import Any

from ..clock import Clock
from ..jose.keys import KeyRing, SigningKey
from ..randomness import RandomSource
from ..sqlite_store import SQLiteStore
from ..store import MemoryStore

__all__ = ["CURRENT_KEY", "SERVER_RUN", "durable_key_ring", "is_durable", "next_run",
           "run_random", "signing_key_kind"]

#: kind → key issuer: the kid of the key that signs.
CURRENT_KEY = "current_signing_key"
#: kind → key issuer: how many servers of that issuer have started on the store.
SERVER_RUN = "server_run"

AnyStore = MemoryStore | SQLiteStore


def signing_key_kind(issuer: str) -> str:
    """The kind under which the keys of ``issuer`` are kept, by kid."""
    return f"signing_key {issuer}"


def is_durable(store: object) -> bool:
    """Whether ``store`` survives a restart (a :class:`~tokenlab.sqlite_store.SQLiteStore` does)."""
    return bool(getattr(store, "durable", False))


def next_run(store: AnyStore, issuer: str) -> int:
    """Count one more start of a server of ``issuer`` on ``store``; the runs before it (0 on a
    fresh store)."""
    with store.lock:
        runs = store.get(SERVER_RUN, issuer)
        runs = runs if isinstance(runs, int) else 0
        store.put(SERVER_RUN, issuer, runs + 1, until=math.inf)
    return runs


def run_random(random: RandomSource, run: int) -> RandomSource:
    """The random source for a server's state (keys, tokens, codes) in its ``run``-th start on a
    durable store. Seeded, run 0 is ``random`` itself — exactly the server of the lessons — and
    each later run draws from its own seed: the same seed would draw the jtis, refresh tokens and
    codes of the first run again, and a jti revoked then would revoke a new token."""
    if not random.seeded or run == 0:
        return random
    return RandomSource(f"{random.seed}/run {run}")


def durable_key_ring(store: AnyStore, issuer: str, algorithm: str, random: RandomSource,
                     clock: Clock, *, rsa_public_exponent: int = 65537) -> KeyRing:
    """The key ring of ``issuer`` kept in ``store``: loaded if the store has one, else a new one
    (first key drawn from ``random``), written at once. Every later change is written before it
    takes effect for a token (see :attr:`~tokenlab.jose.keys.KeyRing.on_change`)."""
    kind = signing_key_kind(issuer)
    with store.lock:
        current = store.get(CURRENT_KEY, issuer)
        if current is None:
            ring = KeyRing(algorithm, random, clock, rsa_public_exponent=rsa_public_exponent)
            save_key_ring(store, issuer, ring)
        else:
            keys: list[tuple[SigningKey, float | None]] = []
            for kid in store.keys(kind):
                record: Any = store.get(kind, kid)
                if isinstance(record, dict):
                    keys.append((SigningKey.from_record(kid, record), record.get("last_exp")))
            ring = KeyRing.restore(random, clock, keys, current,
                                   rsa_public_exponent=rsa_public_exponent)
    if ring.current.algorithm != algorithm:
        raise ValueError(
            f"the store {store!r} holds the keys of {issuer} and its current key is "
            f"{ring.current.algorithm}, but this server was asked to sign with {algorithm}: pass "
            f"algorithm={ring.current.algorithm!r}, or rotate to {algorithm} with "
            f"auth.rotate_keys({algorithm!r}) on a server started with the stored algorithm")
    ring.on_change = lambda: save_key_ring(store, issuer, ring)
    return ring


def save_key_ring(store: AnyStore, issuer: str, ring: KeyRing) -> None:
    """Write ``ring`` to ``store``, as one transaction: the current key never expires; a retired
    key lives as long as it is published; a key the ring dropped is deleted."""
    kind = signing_key_kind(issuer)
    with store.lock:
        current, keys = ring.snapshot()
        kept = set()
        for key, last_exp in keys:
            record = {**key.to_record(), "last_exp": last_exp}
            kept.add(key.kid)
            if key is current:
                store.put(kind, key.kid, record, until=math.inf)
                continue
            until = (last_exp if last_exp is not None else -math.inf) + ring.leeway
            if store.until(kind, key.kid) == math.inf:  # the current key retires: it shortens
                store.delete(kind, key.kid)
            store.put(kind, key.kid, record, until=until)
        for kid in set(store.keys(kind)) - kept:
            store.delete(kind, kid)
        store.put(CURRENT_KEY, issuer, current.kid, until=math.inf)
