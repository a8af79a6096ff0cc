"""The app that holds tokens — :class:`Client`, which logs users in, calls the API, refreshes
and logs out, with a choice of where it keeps tokens (memory, local storage, an httpOnly cookie)
— and the user's :class:`Browser`, which follows redirects to the login page and back.

Talks to the servers only through their ``handle()`` (HTTP on the wire); may import everything
below it: the ground, :mod:`tokenlab.jose`, :mod:`tokenlab.net`, :mod:`tokenlab.authserver` and
:mod:`tokenlab.api`.
"""

from .app import GRANTS, Client
from .browser import BROWSER, Browser
from .storage import STORAGES, CookieStorage, LocalStorage, MemoryStorage, TokenStorage

__all__ = ["BROWSER", "GRANTS", "STORAGES", "Browser", "Client", "CookieStorage", "LocalStorage",
           "MemoryStorage", "TokenStorage"]
