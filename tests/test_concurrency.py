"""Two refreshes racing with the same refresh token (RFC 9700 §4.14.2): check-and-spend is atomic,
so exactly one wins and the other is a reuse that revokes the family — the winner's new tokens
included."""

from __future__ import annotations

import sys
import threading
from collections import Counter
from collections.abc import Iterator

import pytest

from tokenlab import (
    AuthServer,
    InvalidGrantError,
    RefreshTokenReuseError,
    ResourceServer,
    RevokedTokenError,
    SimClock,
    TokenResponse,
)

from .conftest import API, ISSUER, PASSWORD

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
