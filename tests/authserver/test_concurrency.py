"""Races. Two refreshes with the same refresh token (RFC 9700 §4.14.2): check-and-spend is atomic,
so exactly one wins and the other is a reuse that revokes the family — the winner's new tokens
included. Key look-ups racing each other, and a rotation racing a signature: a verification
answers, it never raises. A store written and read from many threads stays consistent."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

import jwt
import pytest

from tokenlab import (
    AuthServer,
    InvalidGrantError,
    MemoryStore,
    RefreshTokenReuseError,
    ResourceServer,
    RevokedTokenError,
    SimClock,
    TokenResponse,
    UnknownKeyError,
)
from tokenlab.net.messages import Request

from ..conftest import API, ISSUER, PASSWORD

TRIALS = 1_000


@pytest.fixture
def busy_scheduler() -> Iterator[None]:
    """Switch threads as often as the interpreter allows, so the two refreshes interleave."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def test_rfc9700_4_14_2_concurrent_refresh_exactly_one_wins_the_other_revokes(
        busy_scheduler: None) -> None:
    auth = AuthServer(ISSUER, clock=SimClock(), seed=1)  # seeded: course scrypt cost, fast
    app = auth.register_client("weather-app", ["weather:read"])
    api = ResourceServer(API, auth)
    auth.register_user("alice", PASSWORD)

    shared: list[str] = [""]
    outcomes: list[list[object]] = [[None] * TRIALS, [None] * TRIALS]
    start = threading.Barrier(3, timeout=30)  # the two racers and this thread
    done = threading.Barrier(3, timeout=30)

    def racer(i: int) -> None:
        try:
            for n in range(TRIALS):
                start.wait()
                try:
                    outcomes[i][n] = auth.refresh(shared[0], app.client_id, app.client_secret)
                except Exception as exc:  # recorded, and judged below
                    outcomes[i][n] = exc
                done.wait()
        except threading.BrokenBarrierError:  # the main thread gave up: a failure is reported
            return

    threads = [threading.Thread(target=racer, args=(i,), daemon=True) for i in (0, 1)]
    for t in threads:
        t.start()
    winners: Counter[int] = Counter()
    try:
        for n in range(TRIALS):
            login = auth.password_grant(app.client_id, app.client_secret, "alice", PASSWORD)
            assert login.refresh_token is not None
            shared[0] = login.refresh_token  # a fresh family every trial
            start.wait()
            done.wait()
            pair = (outcomes[0][n], outcomes[1][n])
            won = [i for i, o in enumerate(pair) if isinstance(o, TokenResponse)]
            lost = [i for i, o in enumerate(pair) if isinstance(o, RefreshTokenReuseError)]
            assert len(won) == 1 and len(lost) == 1, f"trial {n}: {pair!r}"
            winners[won[0]] += 1
            new = pair[won[0]]
            assert isinstance(new, TokenResponse) and new.refresh_token is not None
            # The loser's reuse revoked the family, the winner's fresh tokens included.
            with pytest.raises(RevokedTokenError):
                api.verify(new.access_token)
            with pytest.raises(RevokedTokenError):
                api.verify(login.access_token)
            with pytest.raises(InvalidGrantError, match="revoked") as ei:
                auth.refresh(new.refresh_token, app.client_id, app.client_secret)
            assert not isinstance(ei.value, RefreshTokenReuseError)
    finally:
        start.abort()
        done.abort()
        for t in threads:
            t.join(timeout=5)
    assert sum(winners.values()) == TRIALS


# -- the issuer's key ring (issue #8, item 3) ---------------------------------------------------

LOOKUPS = 8


class _DeletionsMeet(dict[str, Any]):
    """The key ring's ``kid -> key`` dict, where every deletion first waits until ``LOOKUPS``
    threads want to delete: each decided on the same state before any acts on it — the
    interleaving in which two look-ups that prune delete the same key. A ring that deletes only
    on writes, serialised by a lock, never gets here from a look-up."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        super().__init__(data)
        self.meeting = threading.Barrier(LOOKUPS, timeout=5)

    def __delitem__(self, key: str) -> None:
        # Fewer deleters (a lock serialised them): the meeting breaks, and each goes on.
        with contextlib.suppress(threading.BrokenBarrierError):
            self.meeting.wait()
        super().__delitem__(key)


def test_rfc6750_3_1_concurrent_lookups_of_a_retired_key_answer_401_never_raise() -> None:
    """Verifications racing after a rotation: each gets ``invalid_token`` (RFC 6750 §3.1: 401),
    none a ``KeyError`` or ``RuntimeError`` out of the issuer's key ring."""
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=1)
    app = auth.register_client("weather-app", ["weather:read"])
    api = ResourceServer(API, auth)
    old = auth.client_credentials(app.client_id, app.client_secret).access_token
    auth.rotate_keys()
    clock.advance(auth.access_ttl)  # the old key's last token is over: the key is retired
    auth.keys._keys = _DeletionsMeet(auth.keys._keys)
    request = Request.get(f"{API}/weather", {"Authorization": f"Bearer {old}"})
    start = threading.Barrier(LOOKUPS, timeout=30)
    outcomes: list[object] = [None] * LOOKUPS

    def lookup(i: int) -> None:
        start.wait()
        try:
            outcomes[i] = api.verify(old) if i % 2 else api.handle(request).status
        except Exception as exc:  # recorded, and judged below
            outcomes[i] = exc

    threads = [threading.Thread(target=lookup, args=(i,), daemon=True) for i in range(LOOKUPS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert all(isinstance(o, UnknownKeyError) if i % 2 else o == 401
               for i, o in enumerate(outcomes)), outcomes


class _ExpReadDuringRotation(dict[str, Any]):
    """Claims whose ``exp`` is read while another thread rotates the issuer's keys: the read
    waits until the rotation is done (or, if the ring's lock holds the rotation back, until the
    rotation had its chance)."""

    def __init__(self, claims: Mapping[str, Any], auth: AuthServer) -> None:
        super().__init__(claims)
        self.rotated = threading.Event()
        self.rotation = threading.Thread(target=self._rotate, args=(auth,), daemon=True)

    def _rotate(self, auth: AuthServer) -> None:
        auth.rotate_keys()
        self.rotated.set()

    def get(self, name: str, default: Any = None) -> Any:
        if name == "exp" and self.rotation.ident is None:
            self.rotation.start()
            self.rotated.wait(timeout=2)
        return super().get(name, default)


def test_rfc7517_5_a_token_signed_while_the_keys_rotate_verifies() -> None:
    """A key stays published until every token it signed has expired: that includes a token
    being signed at the very moment a rotation retires the key."""
    auth = AuthServer(ISSUER, clock=SimClock(), seed=1)
    app = auth.register_client("weather-app", ["weather:read"])
    api = ResourceServer(API, auth)
    template = jwt.decode(auth.client_credentials(app.client_id, app.client_secret).access_token,
                          options={"verify_signature": False})
    auth.rotate_keys()  # the first key signed one token; the second one, current, none yet
    claims = _ExpReadDuringRotation({**template, "jti": "signed-during-rotation"}, auth)
    token = auth.keys.sign(claims, typ="at+jwt")
    claims.rotation.join(timeout=30)
    assert claims.rotated.is_set()
    assert api.verify(token)["jti"] == "signed-during-rotation"


# -- the store (issue #8, item 7) -----------------------------------------------------------------

WRITERS = 4


def test_store_written_and_read_from_many_threads_stays_consistent() -> None:
    """Writers put and delete expiring entries while the clock moves and a reader counts and
    prints the store: no read raises, and the store ends with exactly the live entries."""
    clock = SimClock(start=0)
    store = MemoryStore(clock)
    start = threading.Barrier(WRITERS + 1, timeout=30)
    errors: list[BaseException] = []
    writing = threading.Event()
    writing.set()

    def writer(w: int) -> None:
        try:
            start.wait()
            for n in range(2_000):
                store.put(f"kind-{n % 3}", f"{w}-{n}", n, until=clock.time() + 1 + n % 5)
                if n % 4 == 0:
                    store.delete(f"kind-{n % 3}", f"{w}-{n - 4}")
                if w == 0 and n % 50 == 0:
                    clock.advance(1)
        except BaseException as exc:  # recorded, and judged below
            errors.append(exc)

    def reader() -> None:
        try:
            start.wait()
            while writing.is_set():
                len(store), repr(store), store.keys("kind-0"), store.count("kind-1")
        except BaseException as exc:  # recorded, and judged below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,), daemon=True) for w in range(WRITERS)]
    reading = threading.Thread(target=reader, daemon=True)
    for t in [*threads, reading]:
        t.start()
    for t in threads:
        t.join(timeout=60)
    writing.clear()
    reading.join(timeout=60)
    assert errors == []
    clock.advance(10)  # every entry is over
    store.put("last", "one", True, until=clock.time() + 1)
    assert len(store) == 1 and store.keys("last") == ["one"]
