"""The user's browser in the authorization code flow (RFC 6749 §4.1): it opens the URL the app
sends it to, meets the login page *at the authorization server*, and posts the user's password
there — never to the app.

:meth:`Client.login() <tokenlab.client.app.Client.login>` runs the whole flow by itself. A lesson that
walks it one message at a time plays the browser with this class::

    url = app.start_login()                      # the app picks state and a PKCE verifier
    redirect = Browser(auth).sign_in(url, "alice", password)
    app.receive_redirect(redirect.location)      # the app checks state ...
    app.exchange_code()                          # ... and redeems the code with its verifier

Both requests travel over the wire as ``browser → auth server``, so the trace shows where the
password went (the rendering masks it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from ..authserver.authcode import AuthorizationRedirect
from ..errors import AccessDeniedError, InvalidRequestError
from ..net.messages import Request

if TYPE_CHECKING:
    from ..authserver.server import AuthServer

__all__ = ["BROWSER", "Browser"]

#: The name the browser has on the wire (the same as the one :class:`~tokenlab.client.app.Client` uses).
BROWSER = "browser"
_REDIRECTS = (301, 302, 303, 307, 308)


class Browser:
    """A user's browser talking to ``auth``'s authorization endpoint."""

    def __init__(self, auth: AuthServer, name: str = BROWSER) -> None:
        self.auth = auth
        self.name = name

    def sign_in(self, url: str, username: str, password: str) -> AuthorizationRedirect:
        """Open ``url`` (the app's authorization request), then submit the login page with
        ``username`` and ``password`` in a form body (RFC 6749 §3.1 allows POST at the
        authorization endpoint). Returns where the server redirects the browser: the app's
        ``redirect_uri`` with ``code`` and ``state``, or with ``error`` and ``state``.

        Raises :class:`~tokenlab.errors.AccessDeniedError` when the login page comes back
        (wrong user name or password) and :class:`~tokenlab.errors.InvalidRequestError` when the
        server refuses to redirect at all (unknown client, unregistered ``redirect_uri``).
        """
        if not isinstance(url, str):
            raise TypeError(f"url must be the authorization URL string, not {type(url).__name__}")
        page = self.auth.handle(Request.get(url), sender=self.name)
        if page.status == 200:  # the login page: fill it in and post it, to the same endpoint
            params = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
            endpoint = urlsplit(url)._replace(query="", fragment="").geturl()
            page = self.auth.handle(Request.post(
                endpoint, {**params, "username": username, "password": password}),
                sender=self.name)
        location = page.headers.get("Location")
        if page.status in _REDIRECTS and location:
            return AuthorizationRedirect(location)
        text = page.body if isinstance(page.body, str) and page.body else f"HTTP {page.status}"
        first = text.splitlines()[0]
        if page.status == 200:
            raise AccessDeniedError(f"the login page came back: {first}")
        raise InvalidRequestError(f"the authorization server did not redirect: {first}")

    def __repr__(self) -> str:
        return f"Browser({self.name!r} at {self.auth.issuer!r})"
