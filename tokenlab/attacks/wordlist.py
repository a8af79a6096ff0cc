"""A small word list of weak HMAC secrets, written for the course, and an offline cracker.

RFC 8725 §2.2: some applications "supply a weak symmetric key with insufficient entropy (such as a
human-memorable password). Such keys are vulnerable to offline brute-force or dictionary attacks
once an attacker gets hold of such a token." §3.5: "human-memorizable passwords MUST NOT be
directly used as the key to a keyed-MAC algorithm such as "HS256"". One token is all the attacker
needs: the cracker tries each word as the HS256 key of that token's signature, on the attacker's
own machine, without a single request to the server.

The list is the kind of secret that ends up in a sample config or a tutorial and then in
production: defaults, placeholders, the product's own name. It is short on purpose (a real list
has millions of entries; cracking one weak secret from it takes seconds, not days).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from jwt.utils import base64url_decode

from .algorithms import ALGORITHMS

__all__ = ["WORDS", "Cracked", "crack_hs256"]

#: Weak secrets, most common first.
WORDS: tuple[str, ...] = (
    "secret", "password", "changeme", "secretkey", "secret-key", "jwt", "jwt-secret",
    "jwtsecret", "your-256-bit-secret", "your-secret-key", "supersecret", "topsecret", "s3cr3t",
    "mysecret", "my-secret", "default", "admin", "letmein", "qwerty", "123456", "12345678",
    "password1", "passw0rd", "abc123", "test", "testing", "dev", "development", "staging",
    "production", "key", "mykey", "private", "token", "auth", "authsecret", "api", "apikey",
    "api-secret", "app-secret", "keyboard cat", "shhhhh", "notasecret", "change-this-secret",
    "replace-me", "CHANGE_ME", "SECRET_KEY", "hunter2", "trustno1", "welcome", "sunshine",
    "iloveyou", "dragon", "monkey", "example", "sample", "demo", "weather", "weather-app",
    "weather-api", "weatherapp", "forecast", "tokenlab", "course",
)


@dataclass(frozen=True, slots=True)
class Cracked:
    """The secret that made the token's signature, and how many words were tried to find it.
    Its repr shows the secret: it is the attacker's find, for a lesson to print."""

    secret: str
    tries: int


def crack_hs256(token: str, words: Iterable[str] = WORDS, *,
                progress: Callable[[int], object] | None = None) -> Cracked | None:
    """The word of ``words`` that is the HS256 key of ``token``'s signature, or ``None``.

    Offline, with the token alone: each word is tried as the HMAC-SHA256 key over the token's
    header and payload, compared with its signature (PyJWT's HMAC, :func:`hmac.compare_digest`).
    A token that is not three base64url parts with an HS256 header finds nothing.
    ``progress``, when given, is called after each word with the number of words tried so far
    (a notebook moves an ``IntProgress`` bar with it).
    """
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be a function of the number of words tried, not "
                        f"{type(progress).__name__}")
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3:
        return None
    try:
        signature = base64url_decode(parts[2])
    except (ValueError, TypeError):
        return None
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii", "replace")
    hmac256 = ALGORITHMS["HS256"]
    for tries, word in enumerate(words, 1):
        fits = hmac256.verify(signing_input, word.encode("utf-8"), signature)
        if progress is not None:
            progress(tries)
        if fits:
            return Cracked(word, tries)
    return None
