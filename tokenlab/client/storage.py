"""Where an app keeps its tokens, and what that exposes — a model of the browser's options, not
a browser: a JavaScript variable (:class:`MemoryStorage`), ``window.localStorage``
(:class:`LocalStorage`: any script on the page reads it, so XSS steals it), or an httpOnly cookie
to a backend-for-frontend that holds the tokens (:class:`CookieStorage`). The attack lessons
read what an injected script could read through :meth:`TokenStorage.readable_by_script`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

__all__ = ["STORAGES", "CookieStorage", "LocalStorage", "MemoryStorage", "TokenStorage",
           "make_storage"]

STORAGES = ("memory", "localStorage", "cookie")


class TokenStorage:
    """Where an app keeps its tokens, and what that exposes (a model, not a browser)."""

    kind: ClassVar[str] = "memory"
    #: Whether the tokens are still there after the page reloads.
    survives_reload: ClassVar[bool] = False

    def __init__(self) -> None:
        self._items: dict[str, str] = {}

    def save(self, items: Mapping[str, str]) -> None:
        self._items.update(items)

    def load(self) -> dict[str, str]:
        return dict(self._items)

    def clear(self) -> None:
        self._items.clear()

    def reload(self) -> None:
        """The page reloads: what does not survive is gone."""
        if not self.survives_reload:
            self.clear()

    def readable_by_script(self) -> dict[str, str]:
        """What a script injected into the page (XSS) can read through the storage APIs."""
        return {}

    def explain(self) -> str:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({sorted(self._items)})"


class MemoryStorage(TokenStorage):
    """A JavaScript variable inside the app's code."""

    kind = "memory"
    survives_reload = False

    def explain(self) -> str:
        return ("memory (a JS variable): gone on reload, no storage API exposes it — but an "
                "injected script can still act as the app while the page is open")


class LocalStorage(TokenStorage):
    """``window.localStorage``: persists, and any script on the origin reads it."""

    kind = "localStorage"
    survives_reload = True

    def readable_by_script(self) -> dict[str, str]:
        return dict(self._items)

    def explain(self) -> str:
        return ("localStorage: survives reloads, and any script on the page reads both tokens — "
                "exactly what XSS steals and replays from elsewhere")


class CookieStorage(TokenStorage):
    """A backend-for-frontend keeps the tokens; the browser holds only a session cookie."""

    kind = "cookie"
    survives_reload = True
    #: The session cookie's attributes (RFC 6265 §4.1.2, SameSite: RFC 6265bis).
    cookie_attributes = ("HttpOnly", "Secure", "SameSite=Strict")

    def explain(self) -> str:
        return ("httpOnly, Secure, SameSite=Strict cookie to a backend-for-frontend that holds the "
                "tokens: scripts read nothing, but the browser sends the cookie by itself, so "
                "cross-site requests (CSRF) must still be refused")


def make_storage(kind: str | TokenStorage) -> TokenStorage:
    if isinstance(kind, TokenStorage):
        return kind
    classes: dict[str, type[TokenStorage]] = {
        "memory": MemoryStorage, "localStorage": LocalStorage, "cookie": CookieStorage}
    if kind not in classes:
        raise ValueError(f"storage must be one of {', '.join(STORAGES)}, not {kind!r}")
    return classes[kind]()
