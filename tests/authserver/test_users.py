"""Users and their passwords (tokenlab/users.py): salted scrypt (RFC 7914), cost stored in the hash,
the same work for an unknown user as for a wrong password, constant-time comparison."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import pytest

from tokenlab import (
    AccessDeniedError,
    AuthServer,
    InvalidGrantError,
    RegisteredClient,
    ResourceServer,
    SimClock,
)
from tokenlab.authserver.users import COURSE_COST, DEFAULT_COST, ScryptCost, UserRegistry, check_password
from tokenlab.randomness import RandomSource

from ..conftest import ISSUER, PASSWORD


class Spy:
    """Wraps a function and records the keyword and positional arguments of every call."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append((args, kwargs))
        return self.real(*args, **kwargs)


def _parse(stored: str) -> tuple[str, dict[str, int], str, str]:
    scheme, params, salt, digest = stored.split("$")
    return scheme, {k: int(v) for k, v in (kv.split("=") for kv in params.split(","))}, salt, digest


def test_rfc7914_hash_is_scrypt_with_cost_and_salt_inside(auth: AuthServer) -> None:
    user = auth.register_user("alice", PASSWORD)
    scheme, params, salt, digest = _parse(user.password_hash)
    assert scheme == "scrypt"
    assert params == {"n": COURSE_COST.n, "r": COURSE_COST.r, "p": COURSE_COST.p}
    assert len(salt) == 22 and len(digest) == 43  # 16-byte salt, 32-byte key, base64url
    assert PASSWORD not in user.password_hash and PASSWORD not in repr(user)
    assert "scrypt" in repr(user) and user.password_hash not in repr(user)
    # The stored hash is exactly scrypt(password, salt) under the stored cost: recomputable.
    raw_salt = base64.urlsafe_b64decode(salt + "==")
    expected = hashlib.scrypt(PASSWORD.encode(), salt=raw_salt, n=params["n"], r=params["r"],
                              p=params["p"], maxmem=COURSE_COST.maxmem, dklen=32)
    assert base64.urlsafe_b64encode(expected).rstrip(b"=").decode() == digest


def test_rfc7914_cost_parameters_are_read_back_from_the_hash() -> None:
    """A hash made at one cost still verifies after the registry's cost changes."""
    cheap = UserRegistry(RandomSource(seed=1), ScryptCost(n=2**4))
    stored = cheap.register("alice", PASSWORD).password_hash
    assert stored.startswith("scrypt$n=16,r=8,p=1$")
    assert check_password(PASSWORD, stored)
    assert not check_password(PASSWORD + "!", stored)
    with pytest.raises(ValueError, match="unknown password hash scheme"):
        check_password(PASSWORD, stored.replace("scrypt", "md5", 1))


def test_rfc7914_equal_passwords_get_different_salts(auth: AuthServer) -> None:
    a = auth.register_user("alice", PASSWORD)
    b = auth.register_user("bob", PASSWORD)
    assert _parse(a.password_hash)[2] != _parse(b.password_hash)[2]
    assert a.password_hash != b.password_hash
    # And a password change draws a fresh salt too.
    before = auth.users._users["alice"]
    auth.users.replace(before, auth.users.with_new_password(before, PASSWORD))
    assert auth.users._users["alice"].password_hash != before.password_hash


def test_rfc7914_seeded_server_uses_course_cost_unseeded_the_default() -> None:
    seeded = AuthServer(ISSUER, clock=SimClock(), seed=1)
    unseeded = AuthServer(ISSUER, clock=SimClock())
    assert seeded.users.cost == COURSE_COST and unseeded.users.cost == DEFAULT_COST
    assert COURSE_COST.n < DEFAULT_COST.n == 2**15
    assert _parse(seeded.register_user("alice", PASSWORD).password_hash)[1]["n"] == 2**10
    assert _parse(unseeded.register_user("alice", PASSWORD).password_hash)[1]["n"] == 2**15


def test_rfc7914_unknown_user_costs_the_same_scrypt_as_a_wrong_password(
        auth: AuthServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Structural, not timed: both paths run scrypt exactly once with the same cost."""
    auth.register_user("alice", PASSWORD)
    spy = Spy(hashlib.scrypt)
    monkeypatch.setattr(hashlib, "scrypt", spy)

    assert auth.users.authenticate("alice", "wrong password") is None
    wrong_password = spy.calls[:]
    spy.calls.clear()
    assert auth.users.authenticate("mallory", "wrong password") is None
    unknown_user = spy.calls[:]
    spy.calls.clear()
    assert auth.users.authenticate("alice", PASSWORD) is not None
    right_password = spy.calls[:]

    for calls in (wrong_password, unknown_user, right_password):
        assert len(calls) == 1

    def cost(calls: list[tuple[tuple[Any, ...], dict[str, Any]]]) -> dict[str, Any]:
        return {k: v for k, v in calls[0][1].items() if k != "salt"}

    assert cost(wrong_password) == cost(unknown_user) == cost(right_password)
    assert cost(unknown_user)["n"] == COURSE_COST.n


def test_rfc6749_4_3_2_password_grant_unknown_user_and_wrong_password_same_work(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    auth.register_user("alice", PASSWORD)
    spy = Spy(hashlib.scrypt)
    monkeypatch.setattr(hashlib, "scrypt", spy)
    messages = []
    for username in ("alice", "mallory"):
        spy.calls.clear()
        with pytest.raises(InvalidGrantError) as ei:
            auth.password_grant(app.client_id, app.client_secret, username, "guess")
        messages.append(ei.value.description)
        assert len(spy.calls) == 1 and spy.calls[0][1]["n"] == COURSE_COST.n
    assert messages[0] == messages[1]


def test_rfc6749_4_1_1_authorize_unknown_user_and_wrong_password_same_work(
        auth: AuthServer, api: ResourceServer, monkeypatch: pytest.MonkeyPatch) -> None:
    web = auth.register_client("web", ["weather:read"], redirect_uris=["https://web.example/cb"])
    auth.register_user("alice", PASSWORD)
    spy = Spy(hashlib.scrypt)
    monkeypatch.setattr(hashlib, "scrypt", spy)
    messages = []
    for username in ("alice", "mallory"):
        spy.calls.clear()
        with pytest.raises(AccessDeniedError) as ei:
            auth.authorize(web.client_id, username=username, password="guess")
        messages.append(ei.value.description)
        assert len(spy.calls) == 1
    assert messages[0] == messages[1]


def test_rfc7914_hashes_are_compared_in_constant_time(
        auth: AuthServer, monkeypatch: pytest.MonkeyPatch) -> None:
    user = auth.register_user("alice", PASSWORD)
    spy = Spy(hmac.compare_digest)
    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert auth.users.authenticate("alice", "nope") is None
    assert auth.users.authenticate("nobody", "nope") is None
    assert auth.users.authenticate("alice", PASSWORD) == user
    assert len(spy.calls) == 3
    assert spy.calls[0][0][1] == user.password_hash  # the stored hash is one side
    assert spy.calls[1][0][1] == auth.users._dummy  # an unknown user compares against a dummy
    assert all(isinstance(a, str) and a.startswith("scrypt$") for c in spy.calls for a in c[0])


@pytest.mark.parametrize(
    ("username", "password", "exc", "match"),
    [
        ("", PASSWORD, ValueError, "non-empty username"),
        ("   ", PASSWORD, ValueError, "non-empty username"),
        ("alice", "", ValueError, "non-empty password"),
        (None, PASSWORD, TypeError, "must be strings"),
        ("alice", None, TypeError, "must be strings"),
        (b"alice", PASSWORD, TypeError, "must be strings"),
        ("alice", 1234, TypeError, "must be strings"),
    ],
)
def test_register_user_refuses_bad_input(auth: AuthServer, username: Any, password: Any,
                                         exc: type[Exception], match: str) -> None:
    with pytest.raises(exc, match=match):
        auth.register_user(username, password)
    assert len(auth.users) == 0


def test_register_user_refuses_a_duplicate_and_keeps_the_first(auth: AuthServer) -> None:
    first = auth.register_user("alice", PASSWORD)
    with pytest.raises(ValueError, match="already exists"):
        auth.register_user("alice", "another password")
    assert len(auth.users) == 1 and "alice" in auth.users
    assert auth.users.authenticate("alice", PASSWORD) == first
    assert auth.users.authenticate("alice", "another password") is None


def test_new_password_refuses_bad_input_and_stale_users(auth: AuthServer) -> None:
    alice = auth.register_user("alice", PASSWORD)
    for bad in ("", None):
        with pytest.raises(ValueError, match="non-empty string"):
            auth.users.with_new_password(alice, bad)  # type: ignore[arg-type]
    changed = auth.users.with_new_password(alice, "second")
    auth.users.replace(alice, changed)
    # Compare-and-set: a change computed from the old record cannot overwrite the newer one.
    with pytest.raises(ValueError, match="changed since"):
        auth.users.replace(alice, auth.users.with_new_password(alice, "third"))
    assert auth.users.authenticate("alice", "second") is not None
    assert auth.users.authenticate("alice", PASSWORD) is None
