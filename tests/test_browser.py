"""The browser of the authorization code flow: login page and password at the authorization
server only (RFC 6749 §4.1), a redirect back with code and state, errors without a redirect."""

from __future__ import annotations

import pytest

from tokenlab import (
    AccessDeniedError,
    AuthServer,
    Client,
    InvalidRequestError,
    RegisteredClient,
    ResourceServer,
)
from tokenlab.client.browser import BROWSER, Browser

from .conftest import ISSUER, PASSWORD

CALLBACK = "https://app.example/callback"


@pytest.fixture
def spa(auth: AuthServer) -> RegisteredClient:
    auth.register_user("alice", PASSWORD)
    return auth.register_client("spa", ["weather:read"], public=True, redirect_uris=[CALLBACK])


@pytest.fixture
def app(auth: AuthServer, spa: RegisteredClient, api: ResourceServer) -> Client:
    return Client(auth, spa, api, grant="authorization_code", scope="weather:read")


def test_the_browser_has_the_clients_name_for_it() -> None:
    assert BROWSER == "browser"


def test_rfc6749_4_1_sign_in_redirects_with_code_and_the_apps_state(
        auth: AuthServer, app: Client) -> None:
    url = app.start_login()
    redirect = Browser(auth).sign_in(url, "alice", PASSWORD)
    assert redirect.location.startswith(CALLBACK + "?")
    assert redirect.code and redirect.error is None
    sent_state = dict(p.split("=", 1) for p in url.split("?", 1)[1].split("&"))["state"]
    assert redirect.state == sent_state
    # Two messages, both from the browser to the authorization server; the password only in the
    # POST body, never in a URL, and never to the app.
    events = auth.wire.events
    assert [(e.sender, e.receiver, e.method, e.path, e.status) for e in events] == [
        ("browser", "auth server", "GET", "/authorize", 200),
        ("browser", "auth server", "POST", "/authorize", 302)]
    assert "password" not in events[0].query and (events[1].body or {}).get("password") == PASSWORD
    assert PASSWORD not in auth.wire.render(shorten=False)  # masked in every rendering


def test_the_app_finishes_the_flow_from_the_redirect(
        auth: AuthServer, app: Client, api: ResourceServer) -> None:
    redirect = Browser(auth).sign_in(app.start_login(), "alice", PASSWORD)
    assert app.receive_redirect(redirect.location) and app.exchange_code()
    assert app.access_token is not None
    assert api.verify(app.access_token, scope="weather:read")["sub"] == "alice"


def test_wrong_password_raises_access_denied_and_nothing_is_redirected(
        auth: AuthServer, app: Client) -> None:
    with pytest.raises(AccessDeniedError, match="login page came back"):
        Browser(auth).sign_in(app.start_login(), "alice", "wrong")
    assert all(e.status == 200 for e in auth.wire.events)


def test_an_unknown_client_is_not_redirected(auth: AuthServer) -> None:
    url = f"{ISSUER}/authorize?response_type=code&client_id=nobody&redirect_uri={CALLBACK}"
    with pytest.raises(InvalidRequestError, match="did not redirect"):
        Browser(auth).sign_in(url, "alice", PASSWORD)


def test_an_error_is_a_redirect_too(auth: AuthServer, spa: RegisteredClient) -> None:
    # A public client without PKCE: refused on the redirect, with the state (RFC 9700 §2.1.1).
    url = (f"{ISSUER}/authorize?response_type=code&client_id={spa.client_id}"
           f"&redirect_uri={CALLBACK}&state=xyz")
    redirect = Browser(auth).sign_in(url, "alice", PASSWORD)
    assert redirect.error == "invalid_request" and redirect.state == "xyz" and redirect.code is None


def test_bad_input(auth: AuthServer) -> None:
    with pytest.raises(TypeError):
        Browser(auth).sign_in(None, "alice", PASSWORD)  # type: ignore[arg-type]
    assert repr(Browser(auth)) == "Browser('browser' at 'https://auth.example')"

