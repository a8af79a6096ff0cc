"""Every change of server state is an explicit store write; records are immutable.

A durable store (SQLite, coming) hands back a *copy* of what it holds: code that marks a record
spent or a family revoked by setting an attribute on the object it read would change the copy
and lose the change — and with it reuse detection (RFC 9700 §4.14.2) and code-replay detection
(RFC 6749 §4.1.2). These tests run the lifecycle on a store that copies on every read and write.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from tokenlab import (
    AuthServer,
    InvalidGrantError,
    RefreshTokenReuseError,
    ResourceServer,
    RevokedTokenError,
    SimClock,
    make_verifier,
    s256_challenge,
)
from tokenlab.authserver.authcode import CodeRecord
from tokenlab.authserver.refresh import Family, RefreshRecord
from tokenlab.store import MemoryStore

from ..conftest import API, ISSUER, PASSWORD, rt

CB = "https://web.example/cb"


class CopyingStore(MemoryStore):
    """A MemoryStore that, like a database, never shares objects with its callers."""

    def put(self, kind: str, key: str, value: Any, *, until: float) -> None:
        super().put(kind, key, copy.deepcopy(value), until=until)

    def get(self, kind: str, key: str) -> Any | None:
        return copy.deepcopy(super().get(kind, key))


@pytest.fixture
def world() -> tuple[AuthServer, ResourceServer, Any, Any]:
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=1, store=CopyingStore(clock))
    api = ResourceServer(API, auth)
    auth.register_user("alice", PASSWORD)
    app = auth.register_client("web", ["weather:read"], redirect_uris=[CB])
    return auth, api, app, clock


def test_rfc9700_4_14_2_reuse_detection_survives_a_store_that_copies(world: Any) -> None:
    auth, api, app, _ = world
    first = auth.password_grant(app.client_id, app.client_secret, "alice", PASSWORD)
    second = auth.refresh(rt(first), app.client_id, app.client_secret)
    with pytest.raises(RefreshTokenReuseError):
        auth.refresh(rt(first), app.client_id, app.client_secret)
    # The family is revoked in the store: the newest refresh token and access token are dead.
    with pytest.raises(InvalidGrantError, match="revoked"):
        auth.refresh(rt(second), app.client_id, app.client_secret)
    with pytest.raises(RevokedTokenError):
        api.verify(second.access_token)


def test_rfc7009_2_1_revocation_survives_a_store_that_copies(world: Any) -> None:
    auth, api, app, _ = world
    t = auth.password_grant(app.client_id, app.client_secret, "alice", PASSWORD)
    t2 = auth.refresh(rt(t), app.client_id, app.client_secret)
    auth.revoke(rt(t2), app.client_id, app.client_secret)
    with pytest.raises(InvalidGrantError, match="revoked"):
        auth.refresh(rt(t2), app.client_id, app.client_secret)
    with pytest.raises(RevokedTokenError):
        api.verify(t2.access_token)


def test_rfc9700_4_14_2_password_change_revokes_tokens_issued_after_a_copying_read(
        world: Any) -> None:
    """Access tokens added to a family after it was created must be recorded in the store, or
    a password change misses them."""
    auth, api, app, _ = world
    t = auth.password_grant(app.client_id, app.client_secret, "alice", PASSWORD)
    t2 = auth.refresh(rt(t), app.client_id, app.client_secret)
    assert auth.change_password("alice", PASSWORD, "new password") == 2
    for token in (t.access_token, t2.access_token):
        with pytest.raises(RevokedTokenError):
            api.verify(token)


def test_rfc6749_4_1_2_code_replay_detection_survives_a_store_that_copies(world: Any) -> None:
    auth, api, app, _ = world
    verifier = make_verifier()
    code = auth.authorize(app.client_id, CB, username="alice", password=PASSWORD,
                          code_challenge=s256_challenge(verifier),
                          code_challenge_method="S256").code
    assert code is not None
    t = auth.exchange_code(code, app.client_id, app.client_secret, redirect_uri=CB,
                           code_verifier=verifier)
    with pytest.raises(InvalidGrantError, match="already used"):
        auth.exchange_code(code, app.client_id, app.client_secret, redirect_uri=CB,
                           code_verifier=verifier)
    with pytest.raises(RevokedTokenError):
        api.verify(t.access_token)


@pytest.mark.parametrize("record", [Family, RefreshRecord, CodeRecord])
def test_server_state_records_are_immutable(record: type) -> None:
    """A record can only change by writing a new one to the store."""
    assert dataclasses.is_dataclass(record)
    params = getattr(record, "__dataclass_params__")  # noqa: B009
    assert params.frozen, f"{record.__name__} must be a frozen dataclass"
