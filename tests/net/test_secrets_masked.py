"""Secrets never shown: every repr and str of a wire object masks client secrets, passwords and
HTTP Basic credentials and shortens tokens; an error names a field, never a secret's value; and no
notebook output or rendered trace of the seeded course worlds shows a secret they create.

RFC 6749 §10.1: "Web application clients MUST ensure confidentiality of client passwords and other
client credentials." §10.7: with the password grant "the password could unintentionally be
disclosed to an attacker (e.g., via log files or other records kept by the client)." §10.4:
"Refresh tokens MUST be kept confidential in transit and storage".
"""

from __future__ import annotations

import contextlib
import inspect
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from tokenlab import AuthServer, Client, RegisteredClient, Request, ResourceServer, SimClock
from tokenlab.authserver.clients import ClientRegistry
from tokenlab.client.browser import Browser
from tokenlab.jose.tokens import TokenResponse, shorten
from tokenlab.net.masking import MASK
from tokenlab.net.messages import Response, basic_authorization, json_response
from tokenlab.net.wire import Event, Wire

from ..conftest import API, ISSUER, PASSWORD
from ..notebook_cells import run_notebook

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
TOKEN_URL = f"{ISSUER}/token"
SECRET = "s3cr3t-Zq8Vw2Lx7Pn4Rk9Tb6Yd1Hf5Jc3Mg0Ua"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
REFRESH = "tGzv3JOkF0XG5Qx2TlKWIA-refresh-token-opaque"


def _credentials(client_id: str, secret: str) -> str:
    """The base64 part of HTTP Basic: the secret in a form any reader can decode."""
    return basic_authorization(client_id, secret).split()[1]


def _secret_request() -> Request:
    return Request.post(TOKEN_URL, {
        "grant_type": "password", "username": "alice", "password": PASSWORD,
        "client_secret": SECRET, "code_verifier": VERIFIER, "refresh_token": REFRESH,
    }, {"Authorization": basic_authorization("weather-app", SECRET)})


def _secret_response() -> Response:
    return json_response(200, {"access_token": VERIFIER + ".x", "refresh_token": REFRESH,
                               "token_type": "Bearer"})


def _secret_event() -> Event:
    return Wire(SimClock()).record(_secret_request(), _secret_response(), sender="app",
                                   receiver="auth server")


WIRE_OBJECTS: dict[str, Callable[[], object]] = {
    "Request": _secret_request,
    "Headers": lambda: _secret_request().headers,
    "Response": _secret_response,
    "Event": _secret_event,
}


@pytest.mark.parametrize("kind", WIRE_OBJECTS)
def test_rfc6749_10_1_10_7_repr_and_str_of_wire_objects_mask_secrets_and_shorten_tokens(
        kind: str) -> None:
    obj = WIRE_OBJECTS[kind]()
    for text in (repr(obj), str(obj), repr([obj])):
        for secret in (SECRET, _credentials("weather-app", SECRET), PASSWORD, VERIFIER, REFRESH):
            assert secret not in text, f"{kind} shows {secret!r} in {text}"
        if kind in ("Request", "Headers", "Event"):
            assert f"Basic {MASK} (weather-app:{MASK})" in text  # masked, yet still informative
        if kind in ("Request", "Event"):
            assert f"'password': '{MASK}'" in text or f"password={MASK}" in text
        if kind in ("Response", "Event"):
            assert shorten(REFRESH) in text


def test_rfc6749_10_1_event_repr_keeps_the_facts_a_reader_needs() -> None:
    text = repr(_secret_event())
    assert text.startswith("Event(") and "sender='app'" in text and "status=200" in text
    assert TOKEN_URL in text and "'grant_type': 'password'" in text


@pytest.mark.parametrize("body", [
    pytest.param({"client_secret": 1234567890123}, id="int-secret"),
    pytest.param({"client_secret": SECRET.encode()}, id="bytes-secret"),
    pytest.param({"password": (PASSWORD, None)}, id="repeated-password-with-a-non-text-value"),
    pytest.param({"password": bytearray(PASSWORD.encode())}, id="bytearray-password"),
])
def test_rfc6749_10_1_render_and_repr_mask_a_secret_sent_as_a_non_string(
        body: dict[str, object]) -> None:
    event = Wire(SimClock()).record(Request("POST", TOKEN_URL, {}, body),  # type: ignore[arg-type]
                                    Response(400), sender="app", receiver="auth server")
    (name,) = body
    for text in (event.render(), event.render(shorten=False), repr(event), str(event),
                 repr(Request("POST", TOKEN_URL, {}, body))):  # type: ignore[arg-type]
        assert name in text and MASK in text
        for shown in ("1234567890123", SECRET, PASSWORD, "horse"):
            assert shown not in text, text


def _site() -> tuple[AuthServer, ResourceServer, RegisteredClient]:
    auth = AuthServer(issuer=ISSUER, clock=SimClock(), seed=1)
    api = ResourceServer(audience=API, auth=auth)
    app = auth.register_client("weather-app", scopes=["weather:read"])
    auth.register_user("alice", PASSWORD)
    return auth, api, app


BAD_REQUESTS: dict[str, tuple[str, str, Callable[[RegisteredClient], Request]]] = {
    # name: (which server, the field the error must name, the request carrying SECRET)
    "int-client_secret": ("auth", "client_secret", lambda app: Request.post(TOKEN_URL, {
        "grant_type": "client_credentials", "client_id": app.client_id,
        "client_secret": 1234567890123})),  # type: ignore[dict-item]
    "bytes-client_secret": ("auth", "client_secret", lambda app: Request.post(TOKEN_URL, {
        "grant_type": "client_credentials", "client_id": app.client_id,
        "client_secret": SECRET.encode()})),  # type: ignore[dict-item]
    "list-password": ("auth", "password", lambda app: Request.post(TOKEN_URL, {
        "grant_type": "password", "client_id": app.client_id, "username": "alice",
        "password": [SECRET, None]})),  # type: ignore[dict-item]
    "surrogate-password": ("auth", "password", lambda app: Request.post(TOKEN_URL, {
        "grant_type": "password", "username": "alice", "password": "\ud800" + SECRET},
        {"Authorization": basic_authorization(app.client_id, app.client_secret or "")})),
    "bytes-basic-header": ("auth", "Authorization", lambda app: Request(
        "POST", TOKEN_URL, [("Authorization", f"Basic {_credentials(app.client_id, SECRET)}".encode()),
                            ("Content-Type", "application/x-www-form-urlencoded")],
        {"grant_type": "client_credentials"})),  # type: ignore[arg-type]
    "header-as-one-string": ("auth", "header", lambda app: Request(
        "POST", TOKEN_URL, [f"Authorization: Basic {_credentials(app.client_id, SECRET)}"],  # type: ignore[arg-type]
        {"grant_type": "client_credentials"})),
    "relative-url-with-password": ("auth", "URL", lambda app: Request(
        "GET", f"/authorize?client_id={app.client_id}&username=alice&password={SECRET}")),
    "api-form-password": ("api", "password", lambda app: Request(
        "POST", f"{API}/weather", {}, {"password": 1234567890123})),  # type: ignore[dict-item]
    "api-bytes-authorization": ("api", "Authorization", lambda app: Request(
        "GET", f"{API}/weather", {"Authorization": f"Basic {SECRET}".encode()})),  # type: ignore[dict-item]
}


@pytest.mark.parametrize("case", BAD_REQUESTS)
def test_rfc6749_10_1_a_malformed_secret_is_named_never_echoed_in_the_400(case: str) -> None:
    auth, api, app = _site()
    server, field, make = BAD_REQUESTS[case]
    response = (auth if server == "auth" else api).handle(make(app))
    event = auth.wire.last
    assert response.status == 400 and event is not None
    description = response.json()["error_description"]
    assert field in description, description
    shown = [json.dumps(response.body, ensure_ascii=False), repr(response.headers),
             event.outcome, event.render(), event.render(shorten=False), repr(event)]
    for secret in (SECRET, _credentials(app.client_id, SECRET), "1234567890123", "ud800"):
        for text in shown:
            assert secret not in text, text


def test_rfc6749_10_1_a_bare_secret_in_the_authorization_header_is_not_echoed() -> None:
    auth, _, _ = _site()
    response = auth.handle(Request.post(TOKEN_URL, {"grant_type": "client_credentials"},
                                        {"Authorization": SECRET}))
    event = auth.wire.last
    assert response.status == 401 and event is not None
    for text in (json.dumps(response.body), event.render(shorten=False), repr(event)):
        assert SECRET not in text, text


def test_rfc7636_7_1_client_objects_never_show_the_verifier_or_credentials(
        auth: AuthServer, api: ResourceServer) -> None:
    """RFC 7636 §7.1: "The security model relies on the fact that the code verifier is not
    learned or guessed by the attacker." Nor may a printed client give its secrets away."""
    auth.register_user("alice", PASSWORD)
    web = auth.register_client("web", ["weather:read"], redirect_uris=["https://app.example/cb"])
    client = Client(auth, web, api, grant="authorization_code")
    client.start_login()
    pending = client._pending
    assert pending is not None and len(pending.verifier) >= 43
    assert pending.verifier not in repr(pending) and pending.verifier not in str(pending)
    assert client.login("alice", PASSWORD), client.last_error
    assert web.client_secret is not None and client.refresh_token is not None
    for obj in (client, client.storage, Browser(auth), pending):
        for text in (repr(obj), str(obj)):
            for secret in (web.client_secret, PASSWORD, client.refresh_token, pending.verifier,
                           _credentials(web.client_id, web.client_secret)):
                assert secret not in text, text


# -- the notebooks: every secret their seeded worlds create, looked for everywhere ----------------


class _Collected:
    """What one notebook's run created: secrets by kind, every wire, widget and figure."""

    def __init__(self) -> None:
        self.client_secrets: list[RegisteredClient] = []
        self.passwords: list[str] = []
        self.refresh_tokens: list[str] = []
        self.wires: list[Wire] = []
        self.widgets: list[Any] = []
        self.figures: list[Any] = []

    def secrets(self) -> dict[str, set[str]]:
        """Each secret with the spellings it could be shown in."""
        found: dict[str, set[str]] = {}
        for reg in self.client_secrets:
            assert reg.client_secret is not None
            found[reg.client_secret] = {reg.client_secret,
                                        _credentials(reg.client_id, reg.client_secret)}
        for password in self.passwords:
            found[password] = {password, quote_plus(password), quote(password)}
        return found


def _spy(monkeypatch: pytest.MonkeyPatch, cls: type, name: str,
         after: Callable[[Any, inspect.BoundArguments], None]) -> None:
    """Wrap ``cls.name`` so that ``after(result, bound_arguments)`` sees every call."""
    original = getattr(cls, name)
    signature = inspect.signature(original)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        after(result, bound)
        return result

    monkeypatch.setattr(cls, name, wrapper)


def _collect(monkeypatch: pytest.MonkeyPatch) -> _Collected:
    import ipywidgets
    import matplotlib
    from matplotlib.figure import Figure

    matplotlib.use("Agg")
    got = _Collected()

    def keep_registration(result: RegisteredClient, _: inspect.BoundArguments) -> None:
        if result.client_secret is not None:
            got.client_secrets.append(result)

    def keep(*names: str) -> Callable[[Any, inspect.BoundArguments], None]:
        def after(_: Any, bound: inspect.BoundArguments) -> None:
            got.passwords.extend(v for n in names if isinstance(v := bound.arguments.get(n), str) and v)
        return after

    def keep_refresh(_: None, bound: inspect.BoundArguments) -> None:
        token = bound.arguments["self"].refresh_token
        if token is not None:
            got.refresh_tokens.append(token)

    def keep_self(bucket: list[Any]) -> Callable[[Any, inspect.BoundArguments], None]:
        return lambda _, bound: bucket.append(bound.arguments["self"])

    _spy(monkeypatch, ClientRegistry, "register", keep_registration)
    _spy(monkeypatch, AuthServer, "register_user", keep("password"))
    _spy(monkeypatch, AuthServer, "change_password", keep("old_password", "new_password"))
    _spy(monkeypatch, Client, "login", keep("password"))
    _spy(monkeypatch, Browser, "sign_in", keep("password"))
    _spy(monkeypatch, TokenResponse, "__init__", keep_refresh)
    _spy(monkeypatch, Wire, "__init__", keep_self(got.wires))
    _spy(monkeypatch, ipywidgets.Widget, "__init__", keep_self(got.widgets))
    _spy(monkeypatch, Figure, "__init__", keep_self(got.figures))
    return got


def _run_cells(path: Path) -> str:
    """Execute the notebook's code cells in one namespace, as its kernel would; return what it
    printed and displayed (the ``text/plain`` of each cell's last expression included)."""
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown):
        for _ in run_notebook(path, show=lambda obj: print(repr(obj), file=shown)):
            pass
    return shown.getvalue()


def _strings(value: object) -> Iterator[str]:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def _stored_outputs(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join(s for cell in cells if cell["cell_type"] == "code"
                     for s in _strings(cell.get("outputs", [])))


def _places(got: _Collected, path: Path, printed: str) -> tuple[dict[str, str], dict[str, str]]:
    """``(shortened, whole)``: each place a reader sees, by name. ``whole`` are the views that
    show tokens whole on request (``render(shorten=False)``) — secrets stay masked there too."""
    from matplotlib.text import Text

    shortened = {"stored outputs": _stored_outputs(path), "re-run outputs": printed}
    whole: dict[str, str] = {}
    for i, wire in enumerate(got.wires):
        shortened[f"wire {i} render()"] = wire.render()
        shortened[f"wire {i} summary()"] = wire.summary()
        shortened[f"wire {i} repr(event)"] = "\n".join(repr(e) for e in wire)
        whole[f"wire {i} render(shorten=False)"] = wire.render(shorten=False)
    shortened["widgets"] = "\n".join(
        w.value for w in got.widgets
        if isinstance(getattr(w, "value", None), str) and type(w).__name__ != "Password")
    shortened["figures"] = "\n".join(t.get_text() for f in got.figures for t in f.findobj(Text))
    return shortened, whole


NOTEBOOK_PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=[p.stem for p in NOTEBOOK_PATHS])
def test_rfc6749_10_1_10_4_10_7_no_notebook_output_or_trace_shows_a_seeded_secret(
        path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Client secrets and passwords are in no stored output, re-run output, widget, figure, nor
    any rendering or repr of any wire the notebook made. Refresh tokens count as secrets too
    (RFC 6749 §10.4) everywhere a token is shortened; ``render(shorten=False)`` is the one view
    that shows tokens whole, on purpose (the attack lessons read the wire as an attacker would)."""
    got = _collect(monkeypatch)
    monkeypatch.chdir(path.parent)
    printed = _run_cells(path)
    source = path.read_text(encoding="utf-8")
    if "register_client" in source:
        assert got.client_secrets, f"{path.name} registers a client, yet no secret was collected"
    assert got.wires, f"{path.name} made no wire: the trace check would be empty"
    shortened, whole = _places(got, path, printed)
    for secret, spellings in got.secrets().items():
        for place, text in {**shortened, **whole}.items():
            leaked = any(s in text for s in spellings)
            assert not leaked, f"{path.name}: {place} shows the secret {secret[:4]}…"
    for token in got.refresh_tokens:
        for place, text in shortened.items():
            assert token not in text, f"{path.name}: {place} shows a whole refresh token"
