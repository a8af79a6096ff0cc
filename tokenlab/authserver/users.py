"""Resource owners (users) and their passwords, hashed with scrypt (RFC 7914).

A password is low-entropy, so unlike a client secret it is hashed with a deliberately slow,
memory-hard KDF and a per-user random salt. The cost parameters are stored inside the hash
(``scrypt$n=16384,r=8,p=1$salt$hash``), so they can be raised later without breaking old hashes.
A seeded course server uses a cheaper cost so notebooks stay fast — still scrypt, still salted.
An unknown user costs the same scrypt run as a wrong password, so timing does not reveal which
user names exist, and hashes are compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from ..randomness import RandomSource

__all__ = ["COURSE_COST", "DEFAULT_COST", "ScryptCost", "User", "UserRegistry"]


@dataclass(frozen=True, slots=True)
class ScryptCost:
    n: int
    r: int = 8
    p: int = 1

    @property
    def maxmem(self) -> int:
        return 2 * 128 * self.r * self.n * self.p + (1 << 20)


#: 2^15 * 8 * 128 B = 32 MiB per hash: a sane default for an interactive login.
DEFAULT_COST = ScryptCost(n=2**15)
#: Seeded course mode: 2^10, about a millisecond, so lessons never wait on a hash.
COURSE_COST = ScryptCost(n=2**10)


def _b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode("ascii")


def _unb64(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def hash_password(password: str, salt: bytes, cost: ScryptCost) -> str:
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=cost.n, r=cost.r, p=cost.p,
                            maxmem=cost.maxmem, dklen=32)
    return f"scrypt$n={cost.n},r={cost.r},p={cost.p}${_b64(salt)}${_b64(digest)}"


def check_password(password: str, stored: str) -> bool:
    """Recompute with the salt and cost stored in ``stored``; compare in constant time."""
    scheme, params, salt, _ = stored.split("$")
    if scheme != "scrypt":
        raise ValueError(f"unknown password hash scheme {scheme!r}")
    cost = ScryptCost(**{k: int(v) for k, v in (kv.split("=") for kv in params.split(","))})
    return hmac.compare_digest(hash_password(password, _unb64(salt), cost), stored)


@dataclass(frozen=True, slots=True)
class User:
    """A resource owner. ``version`` counts password changes: a grant remembers the version it
    authenticated and is void once the password changed (RFC 9700 §4.14.2)."""

    username: str
    password_hash: str
    version: int = 0

    def __repr__(self) -> str:
        return f"User({self.username!r}, password stored as a salted scrypt hash)"


class UserRegistry:
    """The users an authorization server knows."""

    def __init__(self, random: RandomSource, cost: ScryptCost) -> None:
        self._random = random
        self.cost = cost
        self._users: dict[str, User] = {}
        # Verified against when the user is unknown, so that costs the same time.
        self._dummy = hash_password("tokenlab: no such user", b"\0" * 16, cost)

    def register(self, username: str, password: str) -> User:
        if not isinstance(username, str) or not isinstance(password, str):
            raise TypeError("username and password must be strings")
        if not username.strip():
            raise ValueError("a user needs a non-empty username, e.g. 'alice'")
        if not password:
            raise ValueError("a user needs a non-empty password")
        if username in self._users:
            raise ValueError(f"user {username!r} already exists")
        user = User(username, hash_password(password, self._random.bytes("password-salt", 16),
                                            self.cost))
        self._users[username] = user
        return user

    def with_new_password(self, user: User, password: str) -> User:
        """``user`` with ``password`` hashed (a fresh salt) and the version moved on; not yet
        stored — :meth:`replace` does that. Hashing is slow, so it happens outside any lock."""
        if not isinstance(password, str) or not password:
            raise ValueError("the new password must be a non-empty string")
        return User(user.username,
                    hash_password(password, self._random.bytes("password-salt", 16), self.cost),
                    user.version + 1)

    def replace(self, expected: User, new: User) -> None:
        """Store ``new`` in place of ``expected`` — only if ``expected`` is still current
        (compare-and-set), so a change checked against a password that has since changed
        cannot overwrite the newer one. Call under the server's lock."""
        if not self.is_current(expected):
            raise ValueError(f"user {expected.username!r} changed since it was read")
        self._users[new.username] = new

    def is_current(self, user: User) -> bool:
        """True while ``user`` (as a grant authenticated it) is what the registry holds: same
        password, no change since."""
        current = self._users.get(user.username)
        return current is not None and current.version == user.version

    def get(self, username: str) -> User | None:
        return self._users.get(username)

    def authenticate(self, username: str, password: str) -> User | None:
        """The user if the password is right; ``None`` otherwise — same cost either way."""
        user = self._users.get(username)
        ok = check_password(password, user.password_hash if user else self._dummy)
        return user if ok and user is not None else None

    def __contains__(self, username: object) -> bool:
        return username in self._users

    def __len__(self) -> int:
        return len(self._users)
