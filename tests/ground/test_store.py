"""Server state (tokenlab/store.py): every entry expires with what it describes, and the writes
themselves drop what is over, so memory stays bounded with nobody calling ``purge()``; a restart
of an in-memory store forgets everything. What both stores promise is tested for both, the
in-memory :class:`MemoryStore` and the durable :class:`SQLiteStore` (its own promises:
tests/ground/test_sqlite_store.py)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenlab import (
    AuthServer,
    InvalidGrantError,
    MemoryStore,
    RegisteredClient,
    ResourceServer,
    RevokedTokenError,
    SimClock,
    Store,
    SystemClock,
    make_verifier,
    s256_challenge,
)
from tokenlab.authserver.authcode import CODE
from tokenlab.authserver.refresh import FAMILY, REFRESH
from tokenlab.sqlite_store import SQLiteStore
from tokenlab.store import DENYLIST

from ..conftest import API, ISSUER, PASSWORD, jti

STORES = ["memory", "sqlite"]
AnyStore = MemoryStore | SQLiteStore


@contextmanager
def new_store(kind: str, clock: SimClock) -> Iterator[AnyStore]:
    """A new, empty store of ``kind`` on ``clock`` (for Hypothesis: one per example)."""
    if kind == "memory":
        yield MemoryStore(clock)
        return
    with tempfile.TemporaryDirectory() as tmp, SQLiteStore(Path(tmp, "state.db"), clock) as s:
        yield s


@pytest.fixture(params=STORES)
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def server_store(store_kind: str, tmp_path: Path, clock: SimClock) -> Iterator[AnyStore]:
    """The store an AuthServer of the test keeps its state in, on the test's clock."""
    if store_kind == "memory":
        yield MemoryStore(clock)
    else:
        with SQLiteStore(tmp_path / "server.db", clock) as s:
            yield s


def state_entries(store: AnyStore) -> int:
    """The entries a server keeps for tokens: a durable store also holds the server's signing
    keys and its run counter (tests/authserver/test_durable.py), which never expire."""
    return sum(store.count(kind) for kind in (DENYLIST, FAMILY, REFRESH, CODE))


def test_memory_store_implements_the_store_protocol() -> None:
    store = MemoryStore(SimClock(start=0))
    assert isinstance(store, Store)
    assert repr(store) == "MemoryStore(empty)" and len(store) == 0
    store.put("k", "a", 1, until=10)
    assert repr(store) == "MemoryStore(k=1)"


@pytest.mark.parametrize("kind", STORES)
def test_a_store_keeps_entries_by_kind_and_key(kind: str) -> None:
    with new_store(kind, SimClock(start=0)) as store:
        _keeps_entries_by_kind_and_key(store)


def _keeps_entries_by_kind_and_key(store: AnyStore) -> None:
    assert isinstance(store, Store)
    assert repr(store).endswith("empty)") and len(store) == 0
    store.put("k", "a", 1, until=10)
    store.put("k", "b", 2, until=20)
    store.put("other", "a", 3, until=5)
    assert (store.get("k", "a"), store.get("other", "a"), store.get("k", "zz")) == (1, 3, None)
    assert store.contains("k", "b") and not store.contains("k", "zz")
    assert not store.contains("nope", "a")
    assert sorted(store.keys("k")) == ["a", "b"] and store.count("k") == 2
    assert store.until("k", "b") == 20 and store.until("k", "zz") is None
    assert len(store) == 3 and "k=2" in repr(store) and "other=1" in repr(store)
    store.delete("k", "a")
    store.delete("k", "never-there")
    assert len(store) == 2
    store.clear()
    assert len(store) == 0


@pytest.mark.parametrize("kind", STORES)
def test_an_entry_never_shortens(kind: str) -> None:
    with new_store(kind, SimClock(start=0)) as store:
        _never_shortens(store)


def _never_shortens(store: AnyStore) -> None:
    store.put("k", "a", "first", until=100)
    store.put("k", "a", "second", until=50)
    assert store.get("k", "a") == "second" and store.until("k", "a") == 100
    store.put("k", "a", "third", until=150)
    assert store.until("k", "a") == 150


@pytest.mark.parametrize("kind", STORES)
def test_purge_drops_what_is_over_on_or_after_its_time(kind: str) -> None:
    with new_store(kind, SimClock(start=0)) as store:
        _purge_drops(store)


def _purge_drops(store: AnyStore) -> None:
    store.put("k", "a", 1, until=100)
    store.put("k", "b", 1, until=101)
    store.put("j", "c", 1, until=100)
    assert store.purge(99) == 0 and len(store) == 3
    assert store.purge(100) == 2  # until <= now: gone
    assert store.keys("k") == ["b"] and store.count("j") == 0
    assert repr(store).endswith("k=1)") and "j=" not in repr(store)  # an emptied kind goes
    assert store.purge(1000) == 1 and len(store) == 0


@pytest.mark.parametrize("kind", STORES)
@settings(max_examples=200, deadline=None)
@given(entries=st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.text(max_size=3),
                                  st.integers(1, 100)), max_size=30),
       now=st.integers(0, 100))
def test_purge_keeps_exactly_the_entries_still_in_force(
        kind: str, entries: list[tuple[str, str, int]], now: int) -> None:
    with new_store(kind, SimClock(start=0)) as store:
        _purge_keeps(store, entries, now)


def _purge_keeps(store: AnyStore, entries: list[tuple[str, str, int]], now: int) -> None:
    expected: dict[tuple[str, str], int] = {}
    for kind, key, until in entries:
        store.put(kind, key, None, until=until)
        expected[kind, key] = max(until, expected.get((kind, key), until))
    dropped = store.purge(now)
    alive = {k: u for k, u in expected.items() if u > now}
    assert dropped == len(expected) - len(alive)
    assert len(store) == len(alive)
    for (kind, key), until in alive.items():
        assert store.until(kind, key) == until


def test_rfc7009_denylist_entry_lives_until_exp_plus_leeway_and_no_longer(
        clock: SimClock, server_store: AnyStore) -> None:
    auth = AuthServer(ISSUER, clock=clock, seed=1, store=server_store)
    app = auth.register_client("app", ["s"])
    api = ResourceServer(API, auth, leeway=15)
    t = auth.client_credentials(app.client_id, app.client_secret)
    exp = clock.time() + auth.access_ttl
    auth.revoke(t.access_token, app.client_id, app.client_secret)
    assert auth.store.until(DENYLIST, jti(t.access_token)) == exp + 15
    clock.advance(auth.access_ttl + 14)
    auth.store.purge(clock.time())
    with pytest.raises(RevokedTokenError):  # exp + 14: inside the leeway, still refused
        api.verify(t.access_token)
    clock.advance(1)
    assert auth.store.purge(clock.time()) == 1 and state_entries(auth.store) == 0


def test_store_is_empty_after_everything_expired_and_a_purge(
        clock: SimClock, server_store: AnyStore) -> None:
    auth = AuthServer(ISSUER, clock=clock, seed=1, store=server_store)
    app = auth.register_client("weather-app", scopes=["weather:read", "weather:write"])
    ResourceServer(API, auth, leeway=30)
    web = auth.register_client("web", ["weather:read"], redirect_uris=["https://web.example/cb"])
    auth.register_user("alice", PASSWORD)
    # A family rotated, then revoked by reuse; a family revoked by logout; a live family.
    u = auth.password_grant(app.client_id, app.client_secret, "alice", PASSWORD)
    assert u.refresh_token is not None
    auth.refresh(u.refresh_token, app.client_id, app.client_secret)
    with pytest.raises(InvalidGrantError):
        auth.refresh(u.refresh_token, app.client_id, app.client_secret)
    v = auth.password_grant(app.client_id, app.client_secret, "alice", PASSWORD)
    auth.revoke(v.refresh_token or "", app.client_id, app.client_secret)
    auth.password_grant(app.client_id, app.client_secret, "alice", PASSWORD)
    # A revoked machine token; a used code (replayed) and an unused one.
    m = auth.client_credentials(app.client_id, app.client_secret)
    auth.revoke(m.access_token, app.client_id, app.client_secret)
    verifier = make_verifier()
    r = auth.authorize(web.client_id, username="alice", password=PASSWORD,
                       code_challenge=s256_challenge(verifier), code_challenge_method="S256")
    auth.exchange_code(r.code or "", web.client_id, web.client_secret,
                       redirect_uri="https://web.example/cb", code_verifier=verifier)
    auth.authorize(web.client_id, username="alice", password=PASSWORD,
                   code_challenge=s256_challenge(verifier), code_challenge_method="S256")
    for kind in (DENYLIST, FAMILY, REFRESH, CODE):
        assert auth.store.count(kind) > 0, kind
    total, denied = state_entries(auth.store), auth.store.count(DENYLIST)
    assert denied == 4  # two by the reuse, one by the logout, the machine token

    clock.advance(auth.code_ttl)  # the unused code is over, nothing else
    assert auth.store.purge(clock.time()) == 1
    clock.advance(auth.access_ttl + 30 - auth.code_ttl)  # the denylist entries are over
    assert auth.store.purge(clock.time()) == denied and auth.store.count(DENYLIST) == 0
    clock.advance(auth.refresh_ttl)  # and the families, refresh tokens and the used code
    assert auth.store.purge(clock.time()) == total - 1 - denied
    assert state_entries(auth.store) == 0
    # what is left is the server itself: nothing in memory; if durable, its signing key, which
    # key signs, and its run counter
    assert len(auth.store) == (0 if isinstance(auth.store, MemoryStore) else 3)


def test_restart_forgets_state_but_keeps_keys_clients_and_users(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer) -> None:
    """The lesson of notebook 06: a denylist in memory is gone after a restart, and a revoked
    token becomes valid again at a denylist API until its exp."""
    auth.register_user("alice", PASSWORD)
    u = auth.password_grant(app.client_id, app.client_secret, "alice", PASSWORD)
    assert u.refresh_token is not None
    auth.revoke(u.access_token, app.client_id, app.client_secret)
    with pytest.raises(RevokedTokenError):
        api.verify(u.access_token)
    kid, jwks = auth.keys.current.kid, auth.jwks()

    auth.restart()

    assert len(auth.store) == 0
    assert api.verify(u.access_token)["sub"] == "alice"  # revoked, and valid again
    with pytest.raises(InvalidGrantError, match="unknown refresh token"):
        auth.refresh(u.refresh_token, app.client_id, app.client_secret)
    assert auth.keys.current.kid == kid and auth.jwks() == jwks
    t = auth.client_credentials(app.client_id, app.client_secret)  # the client and its secret
    assert api.verify(t.access_token)
    assert auth.password_grant(app.client_id, app.client_secret, "alice", PASSWORD)


# -- a store that bounds itself (issue #8, item 7) -----------------------------------------------


def test_rfc7519_4_1_4_denylist_entries_of_expired_tokens_are_dropped_by_the_next_write(
        clock: SimClock, server_store: AnyStore) -> None:
    """RFC 7519 §4.1.4: "the current date/time MUST be before the expiration date/time listed in
    the 'exp' claim" — past ``exp`` (+ leeway) every API refuses the token anyway, so its denylist
    entry guards nothing. Nobody calls ``purge()``: once every revoked token is over, the next
    write leaves only live entries."""
    auth = AuthServer(ISSUER, clock=clock, seed=1, store=server_store)
    app = auth.register_client("app", ["s"])
    ResourceServer(API, auth, leeway=15)
    for _ in range(1_000):
        t = auth.client_credentials(app.client_id, app.client_secret)
        auth.revoke(t.access_token, app.client_id, app.client_secret)
    assert auth.store.count(DENYLIST) == 1_000
    clock.advance(auth.access_ttl + 15)  # every revoked token is over, leeway included
    assert state_entries(auth.store) == 1_000  # reading the store changes nothing
    fresh = auth.client_credentials(app.client_id, app.client_secret).access_token
    auth.revoke(fresh, app.client_id, app.client_secret)  # one more write
    assert state_entries(auth.store) == 1 and auth.store.keys(DENYLIST) == [jti(fresh)]


def test_rfc7519_4_1_4_the_servers_own_store_drops_expired_entries_on_its_clock(
        auth: AuthServer, app: RegisteredClient, clock: SimClock) -> None:
    """The same, with the store an AuthServer makes for itself: it runs on the server's clock."""
    ResourceServer(API, auth)
    for _ in range(3):
        t = auth.client_credentials(app.client_id, app.client_secret)
        auth.revoke(t.access_token, app.client_id, app.client_secret)
    clock.advance(auth.access_ttl)
    fresh = auth.client_credentials(app.client_id, app.client_secret).access_token
    auth.revoke(fresh, app.client_id, app.client_secret)
    assert auth.store.keys(DENYLIST) == [jti(fresh)] and len(auth.store) == 1


_KINDS = st.sampled_from(["a", "b"])
_KEYS = st.sampled_from(["x", "y", "z"])
_OPS = st.lists(st.one_of(
    st.tuples(st.just("put"), _KINDS, _KEYS, st.integers(-3, 30)),
    st.tuples(st.just("delete"), _KINDS, _KEYS),
    st.tuples(st.just("advance"), st.integers(0, 12)),
    st.tuples(st.just("purge")),
), max_size=60)


@pytest.mark.parametrize("kind", STORES)
@settings(max_examples=300, deadline=None)
@given(ops=_OPS)
def test_every_write_leaves_exactly_the_entries_still_in_force(
        kind: str, ops: list[tuple[Any, ...]]) -> None:
    """Against a model: a write (put, delete) drops every entry whose time is over, skipping the
    expiry records of entries re-put with a later time or deleted since; reads and the passing
    of time change nothing; ``purge(now)`` still works and counts what it dropped; an entry
    never shortens."""
    clock = SimClock(start=0)
    with new_store(kind, clock) as store:
        _follows_the_model(store, clock, ops)


def _follows_the_model(store: AnyStore, clock: SimClock, ops: list[tuple[Any, ...]]) -> None:
    model: dict[tuple[str, str], tuple[int, float]] = {}

    def expire() -> int:
        dead = [k for k, (_, until) in model.items() if until <= clock.time()]
        for k in dead:
            del model[k]
        return len(dead)

    for n, (op, *args) in enumerate(ops):
        if op == "put":
            kind, key, ahead = args
            until = clock.time() + ahead
            old = model.get((kind, key))
            model[kind, key] = (n, until if old is None else max(until, old[1]))
            store.put(kind, key, n, until=until)
            expire()
        elif op == "delete":
            model.pop((args[0], args[1]), None)
            store.delete(args[0], args[1])
            expire()
        elif op == "advance":
            clock.advance(args[0])
        else:
            assert store.purge(clock.time()) == expire()
        assert len(store) == len(model)
        for (kind, key), (value, until) in model.items():
            assert (store.get(kind, key), store.until(kind, key)) == (value, until)


def test_the_expiry_order_stays_proportional_to_the_live_entries() -> None:
    """Re-putting one entry with ever later times, or putting and deleting, leaves stale records
    in the expiry order; they are compacted away, so memory follows the live entries (and each
    write stays O(log n) amortised)."""
    clock = SimClock(start=0)
    store = MemoryStore(clock)
    for n in range(10_000):
        store.put("k", "renewed", n, until=1_000_000 + n)
        store.put("k", f"gone-{n}", n, until=1_000_000)
        store.delete("k", f"gone-{n}")
    assert len(store) == 1
    assert len(store._expiry) < 100  # of the 20,000 expiry records pushed


def test_a_store_runs_on_a_clock() -> None:
    assert isinstance(MemoryStore().clock, SystemClock)
    with pytest.raises(TypeError, match="Clock"):
        MemoryStore(clock=1800000000)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="until"):
        MemoryStore().put("k", "a", 1, until=float("nan"))
