"""Registered clients: ids, hashed secrets, allowed scopes and redirect URIs (RFC 6749 §2).

A client secret is 256 random bits, so a single SHA-256 is the right way to store it: a slow KDF
protects *low-entropy* secrets such as passwords, and brute force cannot reach 2^256 guesses.
Secrets are compared in constant time (:func:`hmac.compare_digest`), and an unknown client costs
the same comparison as a wrong secret, so timing tells an attacker nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import InvalidClientError, InvalidRequestError, InvalidScopeError
from ..jose.tokens import shorten
from ..randomness import RandomSource

__all__ = ["ClientRegistry", "RegisteredClient", "validate_scope_tokens"]

# RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")
_DUMMY_HASH = hashlib.sha256(b"tokenlab: no such client").digest()


def validate_scope_tokens(scopes: Iterable[str], *, what: str = "scope") -> tuple[str, ...]:
    """Scope tokens in order, duplicates dropped; ``InvalidScopeError`` on a malformed one."""
    out: list[str] = []
    for s in scopes:
        if not _SCOPE_TOKEN.fullmatch(s):
            raise InvalidScopeError(
                f"{what} {s!r} is not a valid scope token: printable ASCII without spaces, "
                "quotes or backslashes (RFC 6749 §3.3)"
            )
        if s not in out:
            out.append(s)
    return tuple(out)


def _hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()


@dataclass(frozen=True, slots=True)
class RegisteredClient:
    """What registration hands back, once: the id and (confidential clients) the secret.

    The server keeps only a hash of the secret; the repr shows only its first characters.
    """

    client_id: str
    client_secret: str | None
    name: str
    scopes: tuple[str, ...]
    public: bool = False
    redirect_uris: tuple[str, ...] = ()

    def __repr__(self) -> str:
        secret = "None (public client)" if self.client_secret is None else (
            f"{shorten(self.client_secret, 4)!r} (stored only as a hash)")
        return (
            f"RegisteredClient(client_id={self.client_id!r}, name={self.name!r}, "
            f"scopes={self.scopes!r}, client_secret={secret})"
        )


@dataclass(frozen=True, slots=True)
class _ClientRecord:
    client_id: str
    name: str
    secret_hash: bytes | None
    scopes: tuple[str, ...]
    public: bool
    redirect_uris: tuple[str, ...]


def _check_redirect_uri(uri: object) -> str:
    if not isinstance(uri, str):
        raise TypeError(f"a redirect URI is a string, not {type(uri).__name__}")
    try:
        parts = urlsplit(uri)
    except ValueError as exc:
        raise ValueError(f"redirect URI {uri!r} is not a valid URI ({exc})") from None
    if not parts.scheme or not parts.netloc or parts.fragment or "#" in uri:
        raise ValueError(
            f"redirect URI {uri!r} must be absolute and carry no fragment (RFC 6749 §3.1.2)"
        )
    return uri


class ClientRegistry:
    """The clients an authorization server knows."""

    def __init__(self, random: RandomSource) -> None:
        self._random = random
        self._clients: dict[str, _ClientRecord] = {}

    def register(
        self,
        name: str,
        scopes: Iterable[str],
        *,
        public: bool = False,
        redirect_uris: Iterable[str] = (),
    ) -> RegisteredClient:
        if not isinstance(name, str) or not name.strip():
            raise ValueError("a client needs a non-empty name, e.g. 'weather-app'")
        if isinstance(scopes, str):
            scopes = scopes.split()
        try:
            scope_list = list(scopes)
        except TypeError:
            raise TypeError(f"scopes must be a list of strings, not {type(scopes).__name__}") from None
        if not all(isinstance(s, str) for s in scope_list):
            raise TypeError("scopes must be strings, e.g. ['weather:read', 'weather:write']")
        allowed = validate_scope_tokens(scope_list, what="registered scope")
        if isinstance(redirect_uris, str):
            raise TypeError(f"redirect_uris is a list of URIs: write [{redirect_uris!r}]")
        try:
            uri_list = list(redirect_uris)
        except TypeError:
            raise TypeError(
                f"redirect_uris must be a list of URIs, not {type(redirect_uris).__name__}") from None
        uris = tuple(_check_redirect_uri(u) for u in uri_list)
        if not isinstance(public, bool):
            raise TypeError("public must be True or False")
        # Validation is over: only now draw randomness, so bad input changes no state.
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:32] or "client"
        client_id = f"{slug}-{self._random.hex('client_id', 4)}"
        while client_id in self._clients:  # pragma: no cover - 2^-32 per registration
            client_id = f"{slug}-{self._random.hex('client_id', 4)}"
        secret = None if public else self._random.token_urlsafe("client_secret", 32)
        self._clients[client_id] = _ClientRecord(
            client_id, name, None if secret is None else _hash_secret(secret), allowed,
            public, uris,
        )
        return RegisteredClient(client_id, secret, name, allowed, public, uris)

    def get(self, client_id: str) -> _ClientRecord | None:
        return self._clients.get(client_id)

    def all(self) -> list[_ClientRecord]:
        return list(self._clients.values())

    def authenticate(self, client_id: str, client_secret: str | None) -> _ClientRecord:
        """The client, if ``client_secret`` is its secret; ``InvalidClientError`` otherwise.

        A public client authenticates with no secret (it has none to keep, RFC 6749 §2.1).
        """
        for name, value in (("client_id", client_id), ("client_secret", client_secret)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{name} must be a string, not {type(value).__name__}")
        if not client_id:
            raise InvalidClientError("no client_id was given: say which client is asking")
        record = self._clients.get(client_id)
        if record is not None and record.public:
            if client_secret:
                raise InvalidRequestError(
                    f"client {client_id!r} is public and has no secret; send none"
                )
            return record
        given = _hash_secret(client_secret or "")
        expected = record.secret_hash if record is not None and record.secret_hash else _DUMMY_HASH
        # Constant time, and the same work for an unknown client as for a wrong secret.
        if not hmac.compare_digest(given, expected) or record is None or not client_secret:
            raise InvalidClientError(
                f"client authentication failed for client_id {client_id!r}: unknown client or "
                "wrong client_secret (check both values from register_client)"
            )
        return record

    def __len__(self) -> int:
        return len(self._clients)

    def __contains__(self, client_id: object) -> bool:
        return client_id in self._clients
