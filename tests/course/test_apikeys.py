"""Static API keys: prefix + random, stored hashed, constant-time compare, no expiry."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from tokenlab.clock import SimClock
from tokenlab.course.apikeys import APIKeyStore, InvalidAPIKeyError
from tokenlab.errors import InvalidRequestError, TokenError
from tokenlab.randomness import RandomSource


@pytest.fixture
def store() -> tuple[APIKeyStore, SimClock]:
    clock = SimClock()
    return APIKeyStore(RandomSource(seed=1), clock), clock


def test_key_format_and_hashed_storage(store: tuple[APIKeyStore, SimClock]) -> None:
    keys, _ = store
    issued = keys.issue("weather-app", ["weather:read"])
    assert issued.key.startswith(f"tlk_{issued.key_id}_") and len(issued.key) == 4 + 8 + 1 + 43
    (record,) = keys.records()
    assert record.key_hash == hashlib.sha256(issued.key.encode()).digest()
    assert issued.key not in repr(record) and issued.key not in repr(issued)


def test_check_uses_constant_time_compare(store: tuple[APIKeyStore, SimClock],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    keys, _ = store
    issued = keys.issue("app")
    calls: list[int] = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: calls.append(1) or real(a, b))
    assert keys.check(issued.key).owner == "app"
    with pytest.raises(InvalidAPIKeyError, match="unknown"):
        keys.check(issued.key[:-1] + ("A" if issued.key[-1] != "A" else "B"))
    with pytest.raises(InvalidAPIKeyError, match="unknown"):  # unknown id: same comparison work
        keys.check("tlk_00000000_" + issued.key[-43:])
    assert len(calls) == 3


def test_keys_never_expire_but_can_be_revoked(store: tuple[APIKeyStore, SimClock]) -> None:
    keys, clock = store
    issued = keys.issue("app")
    clock.advance(10 * 365 * 86400)
    assert keys.check(issued.key).uses == 1
    keys.revoke(issued.key_id)
    with pytest.raises(InvalidAPIKeyError, match="revoked") as ei:
        keys.check(issued.key)
    assert isinstance(ei.value, TokenError) and ei.value.status == 401
    with pytest.raises(InvalidRequestError):
        keys.revoke("nope")


@pytest.mark.parametrize("bad", ["", "tlk_", "Bearer x", "tlk_zzzzzzzz_" + "a" * 43, "x" * 10_000])
def test_malformed_keys(store: tuple[APIKeyStore, SimClock], bad: str) -> None:
    with pytest.raises(InvalidAPIKeyError, match="not an API key"):
        store[0].check(bad)


def test_seeded_keys_are_reproducible() -> None:
    a = APIKeyStore(RandomSource(seed=1), SimClock()).issue("x").key
    b = APIKeyStore(RandomSource(seed=1), SimClock()).issue("x").key
    assert a == b
