"""What revocation costs an API, and whether its state stays bounded.

1. ``verify`` at an API in ``denylist`` mode when the authorization server has revoked
   1,000,000 tokens, against the same API with an empty denylist: the look-up is one dict probe,
   so the target is <= 1.05x. Two identically seeded worlds issue identical tokens; one store is
   filled with a million revoked ``jti``s. Measured interleaved in one process, medians.
2. The store bounds itself: after every revoked token (and family, and refresh token) has
   expired, *one more write* — no ``purge()`` call — must leave only that write's live entry.
   Measured: the expired entries still there after that write; target 0 — a denylist entry
   lives until its token's ``exp`` (+ leeway) and no longer, and the writes drop what is over.
"""

from __future__ import annotations

import gc
import time
from functools import partial

from benchlib import Row, ensure_repo_on_path, iqr, median

ensure_repo_on_path()

from tokenlab import AuthServer, MemoryStore, ResourceServer, SimClock  # noqa: E402
from tokenlab.store import DENYLIST  # noqa: E402

ISSUER = "https://auth.example"
AUDIENCE = "https://api.example"


def _world(revoked: int) -> tuple[AuthServer, ResourceServer, list[str]]:
    clock = SimClock()
    auth = AuthServer(issuer=ISSUER, clock=clock, seed=1, access_ttl=3600)
    api = ResourceServer(audience=AUDIENCE, auth=auth)
    app = auth.register_client("bench", scopes=["weather:read"])
    tokens = [auth.client_credentials(app.client_id, app.client_secret).access_token
              for _ in range(500)]
    until = clock.time() + 3600
    put = auth.store.put
    for i in range(revoked):
        put(DENYLIST, f"revoked-{i:07d}", True, until=until)
    return auth, api, tokens


def _batch(verify: partial, tokens: list[str]) -> int:
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter_ns()
        for t in tokens:
            verify(t)
        return time.perf_counter_ns() - start
    finally:
        gc.enable()


def denylist_row(*, quick: bool = False) -> Row:
    revoked = 10_000 if quick else 1_000_000
    rounds = 3 if quick else 15
    _, empty_api, tokens = _world(0)
    full_auth, full_api, full_tokens = _world(revoked)
    assert tokens == full_tokens, "identically seeded worlds must issue identical tokens"
    assert full_auth.store.count(DENYLIST) == revoked
    base, cont, ratios = [], [], []
    for r in range(rounds):
        pair = (empty_api.verify, full_api.verify) if r % 2 == 0 else (full_api.verify,
                                                                        empty_api.verify)
        times = {v: _batch(partial(v), tokens) for v in pair}
        b, c = times[empty_api.verify], times[full_api.verify]
        base.append(b / len(tokens) / 1000)
        cont.append(c / len(tokens) / 1000)
        ratios.append(c / b)
    return Row(f"verify, {revoked:,} revoked jti vs none", median(base), median(cont), "us",
               median(ratios), iqr(ratios), 1.05, rounds)


def bounded_store_row(*, quick: bool = False) -> Row:
    n = 1_000 if quick else 10_000
    clock = SimClock()
    # The store on the server's clock, as AuthServer makes its own.
    auth = AuthServer(issuer=ISSUER, clock=clock, seed=2, access_ttl=300, store=MemoryStore(clock))
    ResourceServer(audience=AUDIENCE, auth=auth, leeway=30)
    app = auth.register_client("bench", scopes=["weather:read"])
    auth.register_user("alice", "pw")
    for i in range(n):
        if i % 2:
            t = auth.client_credentials(app.client_id, app.client_secret)
            auth.revoke(t.access_token, app.client_id, app.client_secret)
        else:  # a refresh family too: revoking the refresh token ends family and access token
            u = auth.password_grant(app.client_id, app.client_secret, "alice", "pw")
            auth.revoke(u.refresh_token, app.client_id, app.client_secret)
    before = len(auth.store)
    clock.advance(auth.refresh_ttl + 30)  # every token, family and denylist entry is over
    fresh = auth.client_credentials(app.client_id, app.client_secret).access_token
    auth.revoke(fresh, app.client_id, app.client_secret)  # one more write, and no purge()
    assert auth.store.count(DENYLIST) >= 1, "the fresh revocation must be on the denylist"
    left_over = len(auth.store) - 1  # all but the fresh revocation's own entry
    return Row(f"expired store entries after one more write, no purge ({n:,} revoked)", before,
               left_over, "entries", left_over / before if before else 0.0, (0.0, 0.0), 0.0, 1,
               note="baseline = entries before they expired; measured = expired entries left "
                    "after the next write (the write's own live entry not counted)")


def run(*, quick: bool = False) -> list[Row]:
    return [denylist_row(quick=quick), bounded_store_row(quick=quick)]
