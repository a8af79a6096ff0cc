"""The attacks of notebooks 08-10, re-run against any setup (auth, api, client) to check that a
fix holds: each returns an :class:`Attempt` saying what the attacker got and what the API
answered. The attacker holds only what the wire or the page exposes
(:class:`~tokenlab.client.attacker.Attacker`), never a server's key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import jwt

from ..api.server import ResourceServer
from ..attacks import WORDS, crack_hs256, encode
from ..authserver.server import AuthServer
from ..client.app import Client
from ..client.attacker import Attacker
from ..net.messages import Response

__all__ = ["Attempt", "forge_with_cracked_secret", "replay_leaked_token", "sniff_plain_http",
           "steal_with_xss"]


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attack on one setup: ``got`` says what the attacker obtained; ``status`` is the API's
    answer to the attacker's request (0 when there was nothing to send)."""

    attack: str
    got: str
    status: int
    answer: str

    @property
    def worked(self) -> bool:
        return self.status == 200

    def text(self) -> str:
        outcome = "WORKED" if self.worked else "failed"
        return f"{self.attack}: {outcome}. The attacker got {self.got}; {self.answer}"

    def __str__(self) -> str:
        return self.text()


_DESCRIPTION = re.compile(r'error_description="([^"]*)"')


def _answer(response: Response) -> str:
    if response.status == 200:
        return "the API answered 200 OK"
    found = _DESCRIPTION.search(response.headers.get("WWW-Authenticate", ""))
    return f"the API answered {response.status}: {found.group(1) if found else response.reason}"


def _url(api: ResourceServer, path: str = "/weather") -> str:
    return api.audience.rstrip("/") + path


def steal_with_xss(auth: AuthServer, api: ResourceServer, client: Client) -> Attempt:
    """Notebook 08: a script injected into the app's page reads its storage and the attacker
    calls the API with what it found."""
    attacker = Attacker(auth.wire)
    loot = [x for x in attacker.inject_script(client.storage) if x.kind == "access_token"]
    name = "stolen token (XSS)"
    if not loot:
        return Attempt(name, f"nothing: a script reads nothing from {client.storage.kind} storage", 0,
                       "there was no token to send")
    response = attacker.call(api, _url(api), loot[0].value)
    return Attempt(name, "the access token", response.status, _answer(response))


def sniff_plain_http(auth: AuthServer, api: ResourceServer, client: Client) -> Attempt:
    """Notebook 09: the app's last API request, read off the network path and sent again."""
    attacker = Attacker(auth.wire)
    sent = [e for e in auth.wire if e.sender == client.name and e.url.startswith(api.audience)]
    name = "request read off the network (plain HTTP)"
    if not sent:
        return Attempt(name, "nothing: the app has not called the API", 0, "nothing to replay")
    if attacker.capture(sent[-1]) is None:
        return Attempt(name, "nothing readable: the request went over TLS", 0,
                       "there was nothing to replay")
    response = attacker.replay(api, sent[-1])
    return Attempt(name, "the whole request, token included", response.status, _answer(response))


def replay_leaked_token(auth: AuthServer, api: ResourceServer, client: Client) -> Attempt:
    """Notebook 08: suppose the app's access token leaked anyway (a log, a backup): the attacker
    presents it as a bearer token, from their own machine, without the app's key."""
    token = client.access_token
    name = "leaked access token"
    if token is None:
        return Attempt(name, "nothing: the app holds no access token", 0, "nothing to send")
    response = Attacker(auth.wire).call(api, _url(api), token)
    return Attempt(name, "the access token", response.status, _answer(response))


def forge_with_cracked_secret(auth: AuthServer, api: ResourceServer, client: Client) -> Attempt:
    """Notebook 10: crack the signing secret from one token offline with its word list
    (:data:`tokenlab.attacks.WORDS`, common passwords), then mint a token with a wider scope;
    without a secret found, sign with the best guess."""
    token = client.access_token
    name = "forged token (cracked secret)"
    if token is None:
        return Attempt(name, "nothing: no token to crack", 0, "nothing to send")
    found = crack_hs256(token, WORDS)
    claims = jwt.decode(token, options={"verify_signature": False})
    claims.update(scope="weather:read weather:write", jti="forged-1")
    secret = found.secret if found is not None else WORDS[0]
    header = jwt.get_unverified_header(token)
    forged = encode(claims, secret.encode(), "HS256", headers={"kid": header.get("kid"),
                                                               "typ": "at+jwt"})
    response = Attacker(auth.wire).call(api, _url(api, "/me"), forged)
    got = (f"the secret {found.secret!r} after {found.tries} words of the list"
           if found is not None else
           f"no secret: none of the list's {len(WORDS)} words signs the token (forged with a guess)")
    return Attempt(name, got, response.status, _answer(response))
