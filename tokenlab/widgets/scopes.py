"""ScopeExplorer: tick scopes, get a token with exactly those, call the API's endpoints and see
which answer 200 and which 403 ``insufficient_scope`` (RFC 6750 §3.1)."""

from __future__ import annotations

import functools

import ipywidgets as widgets

from ..api.http import parse_challenge
from ..api.server import ResourceServer
from ..authserver.clients import RegisteredClient
from ..authserver.server import AuthServer
from ..client.app import Client
from ..clock import format_duration
from ..jose.tokens import shorten
from ..net.messages import FORM, Request
from ..net.wire import Event
from .common import BAD, GOOD, RUN_HINT, View, escape, guarded, mark
from .messages import event_html

__all__ = ["DEMO_FORM", "ScopeExplorer"]

#: What the explorer posts to an endpoint that takes a body (POST /weather).
DEMO_FORM = {"city": "Amsterdam", "sky": "sunny"}


class ScopeExplorer(View):
    """Scopes as permissions you can feel.

    One checkbox per scope ``registration`` may ask for; **Get token** asks ``auth`` for a token
    with the ticked ones (client credentials, over the wire); one button per endpoint of ``api``
    (the demo API: ``GET /weather`` needs ``weather:read``, ``POST /weather`` needs
    ``weather:write``, ``GET /me`` any valid token) sends a request with the token and shows the
    answer — 200, or 403 ``insufficient_scope`` with its ``WWW-Authenticate`` header.

    Drive it from Python: ``explorer.scope_boxes["weather:write"].value = True``,
    ``explorer.get_token_button.click()``, ``explorer.endpoint_buttons["POST /weather"].click()``.
    """

    def __init__(self, auth: AuthServer, api: ResourceServer,
                 registration: RegisteredClient) -> None:
        if not isinstance(auth, AuthServer) or not isinstance(api, ResourceServer):
            raise TypeError("ScopeExplorer(auth, api, registration) takes an AuthServer and a "
                            "ResourceServer")
        if not isinstance(registration, RegisteredClient):
            raise TypeError(f"registration must be a RegisteredClient (from auth.register_client), "
                            f"not {type(registration).__name__}")
        self.auth, self.api, self.registration = auth, api, registration
        self.token: str | None = None
        self.granted = ""
        self.expires_at: float | None = None
        self.last_event: Event | None = None
        self.scope_boxes = {s: widgets.Checkbox(value=i == 0, description=s, indent=False,
                                                layout=widgets.Layout(width="auto"))
                            for i, s in enumerate(registration.scopes)}
        self.get_token_button = widgets.Button(description="Get token", icon="key",
                                               button_style="primary")
        self.get_token_button.on_click(self._on_get_token)
        self.endpoint_buttons: dict[str, widgets.Button] = {}
        for route in api.routes:
            label = f"{route.method} {route.path}"
            needs = " ".join(route.scope) or "any valid token"
            button = widgets.Button(description=label, tooltip=f"needs {needs}",
                                    layout=widgets.Layout(width="auto"))
            button.on_click(functools.partial(self._on_call, route.method, route.path))
            self.endpoint_buttons[label] = button
        self.needs = widgets.HTML("Endpoints: " + ", ".join(
            f"<code>{escape(f'{r.method} {r.path}')}</code> needs "
            f"{escape(' '.join(r.scope) or 'any valid token')}" for r in api.routes))
        self.token_view = widgets.HTML()
        self.result = widgets.HTML()
        super().__init__([
            widgets.HBox([widgets.HTML("Scopes:&nbsp;"), *self.scope_boxes.values(),
                          self.get_token_button]),
            self.token_view, self.needs, widgets.HBox(list(self.endpoint_buttons.values())),
            self.result])
        self._text = ""
        self._show_token()

    @property
    def chosen(self) -> tuple[str, ...]:
        """The ticked scopes, in registration order."""
        return tuple(s for s, box in self.scope_boxes.items() if box.value)

    @property
    def text(self) -> str:
        """The last answer, as plain text."""
        return self._text

    @property
    def html(self) -> str:
        return str(self.result.value)

    def _on_get_token(self, _: widgets.Button) -> None:
        self.get_token()

    def _on_call(self, method: str, path: str, _: widgets.Button) -> None:
        self.call(method, path)

    @guarded("Getting a token")
    def get_token(self) -> None:
        """Ask for a token with exactly the ticked scopes (client credentials, RFC 6749 §4.4)."""
        chosen = self.chosen
        if not chosen:
            raise ValueError("tick at least one scope: a token that allows nothing is no use")
        app = Client(self.auth, self.registration, self.api, scope=" ".join(chosen))
        ok = app.login()
        event = self.auth.wire.last
        assert event is not None
        if ok:
            self.token = app.access_token
            self.granted = str(app.storage.load().get("scope", ""))
            self.expires_at = app.expires_at
        verdict = (f"token issued for {self.granted!r}" if ok
                   else f"refused: {app.last_error}; the previous token (if any) is kept")
        self._show(event, ok, f"POST /token → {verdict}")
        self._show_token()

    @guarded("Calling the API")
    def call(self, method: str, path: str) -> None:
        """Send ``method path`` to the API with the current token (none yet: no header)."""
        url = self.api.audience.rstrip("/") + path
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        body = None
        if method not in ("GET", "HEAD"):
            headers["Content-Type"] = FORM
            body = dict(DEMO_FORM)
        self.api.handle(Request(method, url, headers, body), sender=self.registration.name)
        event = self.api.wire.last
        assert event is not None
        summary = f"{method} {path} → {event.outcome.split(':')[0]}"
        challenge = event.response_headers.get("WWW-Authenticate")
        if challenge is not None:
            params = parse_challenge(challenge)[1]
            if "scope" in params:
                summary += f": the token lacks a scope; this endpoint needs {params['scope']}"
            elif "error_description" in params:
                summary += f": {params['error_description']}"
            elif "error" not in params:
                summary += ": no token was sent, so the API only says 'Bearer' (RFC 6750 §3.1)"
        self._show(event, event.status < 400, summary)

    def _show(self, event: Event, ok: bool, summary: str) -> None:
        colour = GOOD if ok else BAD
        challenge = event.response_headers.get("WWW-Authenticate")
        header = ("" if challenge is None else
                  f"<div><b>WWW-Authenticate:</b> <code>{escape(challenge)}</code></div>")
        self.result.value = (f'<p style="color:{colour}">{mark(ok)} <b>{escape(summary)}</b></p>'
                             f"{header}{event_html(event)}")
        self.last_event = event
        self._text = summary + (f"\nWWW-Authenticate: {challenge}" if challenge else "")

    @guarded("Showing the token")
    def refresh(self) -> None:
        """Say again how long the token has left (for :meth:`ClockControl.observe_views`)."""
        self._show_token()

    def _show_token(self) -> None:
        if self.token is None:
            self.token_view.value = "<i>No token yet: tick scopes and press Get token.</i>"
            return
        life = ""
        if self.expires_at is not None:
            left = self.expires_at - self.auth.clock.time()
            life = (f" — expires in {format_duration(left)}" if left > 0 else
                    f" — expired {format_duration(-left)} ago: get a new one")
        self.token_view.value = (f"Token <mark>{escape(shorten(self.token))}</mark> grants "
                                 f"<b>{escape(self.granted)}</b>{escape(life)}")

    def __repr__(self) -> str:
        state = f"token for {self.granted}" if self.token else "no token"
        return f"ScopeExplorer({self.registration.name}: {state})" + RUN_HINT
