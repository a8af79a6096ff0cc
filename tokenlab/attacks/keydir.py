"""A simulated key directory on the API's disk, for the ``kid``-as-a-file-path mistake.

The vulnerable code reads the HMAC key from ``/srv/api/keys/<kid>``, joining the token's ``kid``
to the directory without checking it (RFC 8725 §3.10: the relying application should ensure the
``kid`` lookup does not become an injection). A ``kid`` of ``../../../dev/null`` leaves the
directory, and ``/dev/null`` reads as nothing: the key is empty, and the attacker signs with an
empty key. Nothing here touches the real file system: the directory holds the trusted HS256
secrets by ``kid`` (from the API's key look-up) and one system file, ``/dev/null``.
"""

from __future__ import annotations

import posixpath

from ..jose.verify import KeyLookup

__all__ = ["ROOT", "SYSTEM_FILES", "KeyDirectory"]

#: Where the vulnerable API keeps its key files.
ROOT = "/srv/api/keys"
#: Files outside the key directory that every Linux server has, with their contents.
SYSTEM_FILES: dict[str, bytes] = {"/dev/null": b""}


class KeyDirectory:
    """``read(kid, now)``: the bytes of the file ``kid`` names under :data:`ROOT`, or ``None``."""

    def __init__(self, lookup: KeyLookup, root: str = ROOT) -> None:
        self._lookup = lookup
        self.root = root

    def path_of(self, kid: str) -> str:
        """The path the vulnerable code opens: ``kid`` joined to the directory, ``..`` resolved
        (an absolute ``kid`` replaces the directory altogether, as :func:`os.path.join` does)."""
        return posixpath.normpath(posixpath.join(self.root, kid))

    def read(self, kid: str, now: float) -> bytes | None:
        path = self.path_of(kid)
        if path in SYSTEM_FILES:
            return SYSTEM_FILES[path]
        folder, name = posixpath.split(path)
        if folder != self.root:
            return None
        key = self._lookup(name, now)
        if key is None or not key.symmetric:
            return None  # only HS256 secrets are kept as key files
        secret: bytes = key.key
        return secret

    def __repr__(self) -> str:
        return f"KeyDirectory(root={self.root!r})"
