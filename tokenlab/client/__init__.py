"""The actors that send requests over the wire: the app that holds tokens — :class:`Client`,
which logs users in, calls the API, refreshes and logs out, with a choice of where it keeps
tokens (memory, local storage, an httpOnly cookie) — the user's :class:`Browser`, which follows
redirects to the login page and back, and the :class:`Attacker`, who holds only what the wire
exposes (a token in a URL, in local storage, in a plain-HTTP request, on a device) and uses it
with requests of its own.

Talks to the servers only through their ``handle()`` (HTTP on the wire); may import everything
below it: the ground, :mod:`tokenlab.jose`, :mod:`tokenlab.net`, :mod:`tokenlab.authserver` and
:mod:`tokenlab.api`.
"""

from .app import GRANTS, Client
from .attacker import ATTACKER, ATTACKER_SITE, CHANNELS, Attacker, Loot
from .browser import BROWSER, Browser
from .storage import STORAGES, CookieStorage, LocalStorage, MemoryStorage, TokenStorage

__all__ = ["ATTACKER", "ATTACKER_SITE", "BROWSER", "CHANNELS", "GRANTS", "STORAGES", "Attacker",
           "Browser", "Client", "CookieStorage", "LocalStorage", "Loot", "MemoryStorage",
           "TokenStorage"]
