"""Three prepared setups for notebook 11's checklist — careless, typical and hardened — each a
real authorization server, the weather API and an app, on a :class:`~tokenlab.clock.SimClock`
with a seed (demo-only), the app logged in as Alice and having called the API once.

- :func:`careless`: what the beginner's article's reader might ship — plain HTTP to the API,
  day-long tokens, no rotation, a weak HS256 secret, a verifier with a switch off, the token in
  the URL, ``localStorage``, the password grant, no revocation check, a key a year old;
- :func:`typical`: a common single-page app — HTTPS, the code flow with PKCE, a hardened API with
  a denylist, but hour-long bearer tokens in ``localStorage`` and an in-memory store;
- :func:`hardened`: everything the checklist asks — including DPoP and the durable
  :class:`tokenlab.sqlite_store.SQLiteStore`.

The recipes are plain constructor calls, so a learner can copy one and change its settings.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path

from ..api.server import ResourceServer
from ..authserver.server import AuthServer
from ..client.app import Client
from ..clock import SimClock
from ..jose.policy import VerifierPolicy
from ..sqlite_store import SQLiteStore
from .checklist import DAY, Checklist, ChecklistResult

__all__ = ["API", "CALLBACK", "CARELESS_SECRET", "ISSUER", "PASSWORD", "USERNAME", "Setup",
           "careless", "durable_store", "hardened", "is_prepared", "typical"]

ISSUER = "https://auth.example"
API = "https://api.example"
CALLBACK = "https://app.example/callback"
USERNAME = "alice"
PASSWORD = "correct horse battery staple"  # noqa: S105 - the course's published demo password
#: The careless server's HS256 secret: a word of the course's list (``tokenlab.attacks.WORDS``).
CARELESS_SECRET = "changeme"  # noqa: S105 - the published weak secret of a lesson

#: The authorization servers of the prepared setups, so a goal lab can tell them from the
#: learner's own.
_PREPARED: weakref.WeakSet[AuthServer] = weakref.WeakSet()


@dataclass(slots=True)
class Setup:
    """One prepared configuration: its ``name``, ``clock`` and the three actors."""

    name: str
    clock: SimClock
    auth: AuthServer
    api: ResourceServer
    client: Client

    @property
    def actors(self) -> tuple[AuthServer, ResourceServer, Client]:
        """``(auth, api, client)``, as :class:`~tokenlab.course.checklist.Checklist` takes them."""
        return self.auth, self.api, self.client

    def checklist(self) -> ChecklistResult:
        """The checklist run on this setup."""
        return Checklist(*self.actors).run()

    def __repr__(self) -> str:
        return (f"Setup({self.name!r}: {self.auth.issuer} → {self.api.audience}, "
                f"app {self.client.name!r}, seeded: demo-only)")


def durable_store(clock: SimClock, path: str | Path | None = None) -> SQLiteStore:
    """A :class:`tokenlab.sqlite_store.SQLiteStore` at ``path`` (a new file in a temporary
    directory when ``None``, removed with the store)."""
    made = None
    if path is None:
        made = _new_folder()
        path = Path(made) / "auth.sqlite"
    store = SQLiteStore(str(path), clock=clock)
    if made is not None:  # the temporary directory goes with the store
        weakref.finalize(store, shutil.rmtree, made, True)
    return store


_FOLDER = "tokenlab-course-"


def _new_folder() -> str:
    """A new temporary folder named after this process. A kernel stopped without running its
    exit handlers leaves its folder behind, so first the folders of processes that have ended
    are removed (POSIX only: there a signal 0 asks whether a process exists)."""
    if os.name == "posix":
        for old in Path(tempfile.gettempdir()).glob(f"{_FOLDER}*-*"):
            pid = old.name[len(_FOLDER):].split("-", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(old, ignore_errors=True)
    return tempfile.mkdtemp(prefix=f"{_FOLDER}{os.getpid()}-")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # no signal sent: only whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # it exists, but belongs to someone else
        return True
    return True


def _finish(name: str, clock: SimClock, auth: AuthServer, api: ResourceServer,
            client: Client) -> Setup:
    """Log the app in as Alice and call the API once, as the app does every day."""
    if client.grant == "client_credentials":
        client.login()
    else:
        client.login(USERNAME, PASSWORD)
    client.get("/weather")
    _PREPARED.add(auth)
    return Setup(name, clock, auth, api, client)


def careless(seed: int = 11) -> Setup:
    """Every mistake the checklist knows, each a real setting."""
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=seed, algorithm="HS256",
                      insecure_hmac_secret=CARELESS_SECRET, access_ttl=DAY,
                      rotate_refresh_tokens=False)
    api = ResourceServer("http://api.example", auth, revocation="none",
                         policy=VerifierPolicy(issuer=ISSUER, audience="http://api.example",
                                               insecure_skip_audience=True))
    auth.register_user(USERNAME, PASSWORD)
    app = auth.register_client("weather-app", ["weather:read"])
    client = Client(auth, app, api, grant="password", storage="localStorage",
                    token_in="query")  # noqa: S106 - a place, not a secret
    clock.advance(400 * DAY)  # the server has run on its first key for 400 days
    return _finish("careless", clock, auth, api, client)


def typical(seed: int = 12) -> Setup:
    """A common single-page app: sound defaults, hour-long bearer tokens in localStorage."""
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=seed, access_ttl=3600)
    api = ResourceServer(API, auth)
    auth.register_user(USERNAME, PASSWORD)
    app = auth.register_client("weather-spa", ["weather:read"], public=True,
                               redirect_uris=[CALLBACK])
    client = Client(auth, app, api, grant="authorization_code", storage="localStorage")
    return _finish("typical", clock, auth, api, client)


def hardened(seed: int = 13, store_path: str | Path | None = None) -> Setup:
    """Everything the checklist asks: a backend-for-frontend with DPoP, a durable store."""
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=seed, access_ttl=300,
                      store=durable_store(clock, store_path))
    api = ResourceServer(API, auth, dpop="required")
    auth.register_user(USERNAME, PASSWORD)
    app = auth.register_client("weather-bff", ["weather:read"], redirect_uris=[CALLBACK])
    client = Client(auth, app, api, grant="authorization_code", storage="cookie", dpop=True)
    return _finish("hardened", clock, auth, api, client)


def is_prepared(auth: object) -> bool:
    """Whether ``auth`` is the authorization server of a setup made here."""
    return isinstance(auth, AuthServer) and auth in _PREPARED
