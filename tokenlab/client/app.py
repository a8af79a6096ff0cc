"""The client: an app that gets tokens with its grant and calls an API with them.

Everything it does goes over the simulated wire — ``auth.handle`` and ``api.handle`` — so a
lesson can show the whole conversation, and an attacker sees exactly what travelled. The app:

- logs in with its grant: client credentials (RFC 6749 §4.4), the deprecated password grant
  (§4.3, RFC 9700 §2.4), or the authorization code flow with PKCE and ``state`` (§4.1, RFC 7636),
  driving a simulated browser through the login page *at the authorization server*;
- with ``openid`` in its scope, also logs the user in with OpenID Connect, validating the ID
  token before keeping anything (:mod:`~tokenlab.client.identity`);
- uses only an access token whose ``token_type`` it understands (RFC 6749 §7.1) — ``Bearer``
  (RFC 6750), and ``DPoP`` for an app made with ``dpop=True`` — and sends it in the
  ``Authorization`` header (RFC 6750 §2.1), or — to show why not — in the URL query (§2.3);
- with ``dpop=True`` (RFC 9449), holds a proof key and proves every token request and every
  API call that carries a DPoP token (:mod:`~tokenlab.client.dpop`);
- refreshes when it knows the token expired, and once after a 401 ``invalid_token``; when
  refreshing fails (a revoked family, a reused refresh token) it gives up cleanly: forgets its
  tokens and reports why in :attr:`Client.last_error`, without raising;
- logs out by revoking its tokens (RFC 7009).

Where it keeps tokens is a :class:`TokenStorage`: a model of the browser's options (a JavaScript
variable, ``localStorage``, or an httpOnly cookie held by a backend-for-frontend), not a browser.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from ..errors import TokenError
from ..jose.dpop import DPoPKey
from ..jose.idtoken import OPENID
from ..jose.tokens import DPOP
from ..net.messages import FORM, Request, Response, basic_authorization
from ..randomness import RandomSource
from .browser import BROWSER
from .dpop import ProofSender, challenge_error, proof_random
from .identity import IdTokenCheck
from .login import PendingLogin, refusal
from .storage import TokenStorage, make_storage

if TYPE_CHECKING:
    from ..api.server import ResourceServer
    from ..authserver.clients import RegisteredClient
    from ..authserver.server import AuthServer

__all__ = ["GRANTS", "Client"]

GRANTS = ("client_credentials", "password", "authorization_code")
TOKEN_IN = ("header", "query")


class _AuthSeed:
    def __repr__(self) -> str:
        return "<the auth server's seed>"


_FROM_AUTH = _AuthSeed()
#: The value of a field the response does not have.
_MISSING = object()


class Client:
    """An app registered as ``registration`` at ``auth``, calling ``api``.

    ``grant`` is how it logs in; ``storage`` where it keeps tokens; ``token_in`` how it sends the
    access token (``"header"``, or ``"query"`` to show the leak). ``scope`` and ``resource``
    (default: the API's identifier, RFC 8707) go into token requests. ``seed`` makes its PKCE
    verifiers and ``state`` values reproducible; it defaults to the authorization server's seed.

    A token response is used only if the app understands its ``token_type`` (RFC 6749 §7.1);
    :attr:`token_types` says which types those are.

    ``dpop=True`` makes the app prove possession of a key (RFC 9449): it makes a
    :class:`~tokenlab.jose.dpop.DPoPKey` (ES256; derived from its seed and client id when seeded,
    so two apps of one world differ and a rebuilt world has the same key), or uses the
    ``DPoPKey`` given as ``dpop=``. Its tokens then travel only in the header. Without it,
    nothing changes. Two ``Client`` objects of one registration and one seed are the same app:
    same PKCE verifiers, same key, same proof ``jti`` values — give another ``seed=`` for another.
    """

    #: The token types this app understands, by lower-case name (RFC 6749 §5.1: "Value is case
    #: insensitive"), each with the ``Authorization`` scheme it is sent with. An app with a DPoP
    #: key (RFC 9449) also understands ``"dpop": "DPoP"`` (set on the instance).
    token_types: Mapping[str, str] = MappingProxyType({"bearer": "Bearer"})

    def __init__(
        self,
        auth: AuthServer,
        registration: RegisteredClient,
        api: ResourceServer,
        *,
        grant: str = "client_credentials",
        storage: str | TokenStorage = "memory",
        token_in: str = "header",  # noqa: S107 - where the token goes, not a secret
        scope: str | None = None,
        resource: str | None = None,
        name: str | None = None,
        redirect_uri: str | None = None,
        seed: int | str | _AuthSeed | None = _FROM_AUTH,
        dpop: bool | DPoPKey = False,
    ) -> None:
        if grant not in GRANTS:
            raise ValueError(f"grant must be one of {', '.join(GRANTS)}, not {grant!r}")
        if token_in not in TOKEN_IN:
            raise ValueError(f"token_in must be 'header' or 'query', not {token_in!r}")
        if not isinstance(dpop, bool | DPoPKey):
            raise TypeError(f"dpop must be True, False or a DPoPKey, not {dpop!r}")
        if dpop is not False and token_in != "header":  # noqa: S105 - a place, not a secret
            raise ValueError("a DPoP-bound token travels only in the Authorization header "
                             "(RFC 9449 §7.1): use token_in='header' with dpop")
        self.auth = auth
        self.registration = registration
        self.api = api
        self.grant = grant
        self.storage = make_storage(storage)
        self.token_in = token_in
        self.scope = scope
        self.resource = resource if resource is not None else api.audience
        self.name = name or registration.name
        if redirect_uri is None and registration.redirect_uris:
            redirect_uri = registration.redirect_uris[0]
        if grant == "authorization_code" and redirect_uri is None:
            raise ValueError("the authorization code flow needs a redirect_uri: register one "
                             "with register_client(..., redirect_uris=[...])")
        self.redirect_uri = redirect_uri
        self.random = RandomSource(auth.random.seed if isinstance(seed, _AuthSeed) else seed)
        #: The app's DPoP proof key (RFC 9449 §4.2), or ``None``: it sends bearer tokens.
        self.dpop_key: DPoPKey | None = None
        if isinstance(dpop, DPoPKey):
            self.dpop_key = dpop
        elif dpop:
            self.dpop_key = DPoPKey.generate(
                "ES256", random=proof_random(self.random.seed, registration.client_id),
                clock=auth.clock)
        if self.dpop_key is not None:
            self.token_types = MappingProxyType({**type(self).token_types, "dpop": DPOP})
        #: Sends this app's requests with proofs, keeping each server's latest nonce.
        self._proofs = (ProofSender(self.dpop_key, auth.clock, self.name)
                        if self.dpop_key is not None else None)
        #: Why the last login, refresh or logout failed, as ``"error_code: description"``.
        self.last_error: str | None = None
        self._pending: PendingLogin | None = None
        #: The code and the pending login of a redirect that passed the state check, for
        #: exchange_code().
        self._received: tuple[str, PendingLogin] | None = None
        #: The ID token held and its validated claims (OpenID Connect), see id_token_claims.
        self._identity: tuple[str, dict[str, Any]] | None = None
        meta = auth.metadata()
        #: Validates the ID token of an ``openid`` login with the issuer's JWKS.
        self._id_tokens = IdTokenCheck(auth, meta, registration.client_id, self.name)
        self._token_url: str = meta["token_endpoint"]
        self._revoke_url: str = meta["revocation_endpoint"]
        self._authorize_url: str = meta["authorization_endpoint"]

    # -- what the app knows ---------------------------------------------------------------------

    @property
    def logged_in(self) -> bool:
        """True while the app holds a token it can use or refresh."""
        items = self.storage.load()
        return bool(items.get("access_token") or items.get("refresh_token"))

    @property
    def access_token(self) -> str | None:
        return self.storage.load().get("access_token")

    @property
    def refresh_token(self) -> str | None:
        return self.storage.load().get("refresh_token")

    @property
    def token_type(self) -> str | None:
        """The type of the access token held, spelled as its ``Authorization`` scheme."""
        return self.storage.load().get("token_type")

    @property
    def expires_at(self) -> float | None:
        """``obtained_at + expires_in``: when the app believes its access token runs out."""
        items = self.storage.load()
        if "obtained_at" not in items or "expires_in" not in items:
            return None
        return float(items["obtained_at"]) + float(items["expires_in"])

    @property
    def id_token(self) -> str | None:
        """The ID token of the last ``openid`` login, kept with the other tokens."""
        return self.storage.load().get("id_token")

    @property
    def id_token_claims(self) -> dict[str, Any] | None:
        """Who logged in, as the validated ID token says (``sub``, ``auth_time``, ...): a copy,
        or ``None`` when the app holds no ID token it validated."""
        held = self.id_token
        if held is None or self._identity is None or self._identity[0] != held:
            return None
        return dict(self._identity[1])

    def reload(self) -> None:
        """The page reloads: tokens kept in memory are gone."""
        self.storage.reload()

    # -- logging in -------------------------------------------------------------------------------

    def login(self, username: str | None = None, password: str | None = None) -> bool:
        """Get tokens with the app's grant; ``False`` (and :attr:`last_error`) if refused."""
        self.last_error = None
        if self.grant == "client_credentials":
            return self._accept(self._token_request(self._with_target(
                {"grant_type": "client_credentials"})))
        if not username or not password:
            raise ValueError(f"the {self.grant} grant needs the user's username and password")
        if self.grant == "password":
            return self._accept(self._token_request(self._with_target(
                {"grant_type": "password", "username": username, "password": password})))
        return self._authorization_code(username, password)

    def start_login(self) -> str:
        """Begin an authorization-code login (RFC 6749 §4.1.1): remember a fresh PKCE verifier and
        ``state``; return the URL the browser is sent to. (:meth:`login` does the whole flow; a
        lesson walking it plays the browser, then :meth:`receive_redirect`, :meth:`exchange_code`.)"""
        if self.grant != "authorization_code":
            raise ValueError(f"start_login() is for the authorization_code grant, not {self.grant!r}")
        self._pending = PendingLogin.start(self.random, self.registration.client_id,
                                           openid=self._asks_openid())
        self._received = None
        assert self.redirect_uri is not None
        params = self._with_target(self._pending.authorize_params(self.registration.client_id,
                                                                  self.redirect_uri))
        return f"{self._authorize_url}?{urlencode(params)}"

    def _authorization_code(self, username: str, password: str) -> bool:
        """RFC 6749 §4.1 with PKCE (RFC 7636): the user types the password at the authorization
        server, never into the app; ``state`` ties the answer to this login (§10.12)."""
        url = self.start_login()
        params = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
        page = self.auth.handle(Request.get(url), sender=BROWSER)
        if page.status == 200:  # the login page: the user fills it in and posts it
            page = self.auth.handle(Request.post(
                self._authorize_url, {**params, "username": username, "password": password}),
                sender=BROWSER)
        if page.status in (301, 302, 303, 307, 308) and "Location" in page.headers:
            return self.callback(page.headers["Location"])
        self._pending = None
        text = page.body if isinstance(page.body, str) else ""
        first = text.splitlines()[0] if text else f"HTTP {page.status}"
        self.last_error = ("access_denied: " if page.status == 200 else "invalid_request: ") + first
        return False

    def callback(self, url: str) -> bool:
        """The browser arrives at the redirect URI with a code (or an error) and a ``state``.

        The app exchanges the code only if ``state`` is the one it sent for the login in
        progress; anything else — a forged link, a code injected by an attacker — is refused
        (CSRF, RFC 6749 §10.12; RFC 9700 §4.7).
        """
        return self.receive_redirect(url) and self.exchange_code()

    def receive_redirect(self, url: str) -> bool:
        """The first half of :meth:`callback`: check ``state`` and record the browser's arrival;
        on success the code waits for :meth:`exchange_code`. ``False`` (and :attr:`last_error`)
        when the redirect is refused or carries an error."""
        self._received = None
        request = Request.get(url)
        params = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
        pending = self._pending
        why = refusal(url, params, self.redirect_uri, pending)
        if why is not None or pending is None:
            why = why or "no login in progress"
            self.last_error = (f"state_mismatch: {why}; the response is refused, its code never "
                               "exchanged (CSRF protection, RFC 6749 §10.12)")
            self.auth.wire.record(request, Response(400, {"Content-Type": "text/plain"},
                                                    f"refused: {why}"),
                                  sender=BROWSER, receiver=self.name,
                                  outcome=f"400 refused by the app: {why} (RFC 6749 §10.12)")
            return False
        self._pending = None
        if "error" in params:
            self.last_error = f"{params['error']}: {params.get('error_description', '')}"
            self.auth.wire.record(request, Response(200, {"Content-Type": "text/plain"},
                                                    "login failed"),
                                  sender=BROWSER, receiver=self.name,
                                  outcome=f"200 OK: the app reads error={params['error']}")
            return False
        self.auth.wire.record(request, Response(200, {"Content-Type": "text/plain"},
                                                "signing you in"),
                              sender=BROWSER, receiver=self.name,
                              outcome="200 OK: state matches; the app exchanges the code")
        if not params.get("code"):
            self.last_error = "invalid_request: the redirect carried no code"
            return False
        self._received = (params["code"], pending)
        return True

    def exchange_code(self) -> bool:
        """The second half of :meth:`callback`: send the received code with the PKCE verifier to
        the token endpoint (RFC 6749 §4.1.3, RFC 7636 §4.5) and keep the tokens."""
        received, self._received = self._received, None
        if received is None:
            self.last_error = "invalid_request: no authorization code received to exchange"
            return False
        assert self.redirect_uri is not None
        code, pending = received
        return self._accept(self._token_request({
            "grant_type": "authorization_code", "code": code,
            "redirect_uri": self.redirect_uri, "code_verifier": pending.verifier}),
            nonce=pending.nonce)

    # -- calling the API --------------------------------------------------------------------------

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, body: Mapping[str, str] | None = None) -> Response:
        return self.request("POST", path, body or {})

    def request(self, method: str, path: str, body: Mapping[str, str] | None = None) -> Response:
        """Call the API with the access token; renew it first if the app knows it expired, and
        once more after a 401 ``invalid_token``. Never raises for an HTTP answer."""
        method = method.upper()
        now = self.auth.clock.time()
        expires_at = self.expires_at
        if (self.grant == "client_credentials" and self.access_token is None) or (
                expires_at is not None and expires_at <= now):
            self._renew()
        sent_token = self.access_token is not None
        response = self._call(method, path, body)
        if (response.status == 401 and sent_token
                and challenge_error(response) == "invalid_token" and self._renew()):
            response = self._call(method, path, body)
        return response

    def _call(self, method: str, path: str, body: Mapping[str, str] | None) -> Response:
        url = self.api.audience.rstrip("/") + path
        headers: dict[str, str] = {}
        token = self.access_token
        scheme = self.token_type or "Bearer"
        if token is not None:
            if self.token_in == "header":  # noqa: S105 - a place, not a secret
                headers["Authorization"] = f"{scheme} {token}"
            else:
                url += ("&" if "?" in url else "?") + urlencode({"access_token": token})
                headers["Cache-Control"] = "no-store"  # RFC 6750 §2.3 asks this of such clients
        if body is not None:
            headers["Content-Type"] = FORM
        request = Request(method, url, headers, body)
        if token is not None and scheme == DPOP and self._proofs is not None:
            # RFC 9449 §7.1: a DPoP token goes with a proof for this request, with its ath.
            return self._proofs.send(self.api.handle, request, access_token=token)
        return self.api.handle(request, sender=self.name)

    def refresh(self) -> bool:
        """Renew the access token now, without an API call (RFC 6749 §6; client credentials: ask
        again). ``False`` (and :attr:`last_error`) when refused: the app then holds no tokens."""
        self.last_error = None
        return self._renew()

    def _renew(self) -> bool:
        """A new access token: client-credentials apps ask again, others refresh (RFC 6749 §6)."""
        if self.grant == "client_credentials":
            return self.login()
        refresh_token = self.refresh_token
        if refresh_token is None:
            self._give_up("login_required", "no refresh token: the user has to log in again")
            return False
        return self._accept(self._token_request(
            {"grant_type": "refresh_token", "refresh_token": refresh_token}), refreshed=refresh_token)

    # -- logging out ------------------------------------------------------------------------------

    def logout(self) -> bool:
        """Revoke the refresh token (its whole family) and the access token (RFC 7009), then
        forget both. ``False`` if the server refused a revocation."""
        items = self.storage.load()
        ok = True
        for hint in ("refresh_token", "access_token"):
            token = items.get(hint)
            if token:
                form = {"token": token, "token_type_hint": hint}
                response = self.auth.handle(self._authenticated(self._revoke_url, form),
                                            sender=self.name)
                if response.status != 200:
                    ok = False
                    self.last_error = _error_text(response)
        self.storage.clear()
        self._pending = None
        self._received = None
        self._identity = None
        return ok

    # -- the token endpoint -----------------------------------------------------------------------

    def _with_target(self, form: dict[str, str]) -> dict[str, str]:
        if self.scope is not None:
            form["scope"] = self.scope
        form["resource"] = self.resource
        return form

    def _authenticated(self, url: str, form: dict[str, str]) -> Request:
        """RFC 6749 §2.3.1: HTTP Basic with each part form-urlencoded; a public client sends only
        its client_id (§2.1, it has no secret)."""
        reg = self.registration
        if reg.client_secret is None:
            return Request.post(url, {**form, "client_id": reg.client_id})
        return Request.post(url, form, {"Authorization": basic_authorization(
            reg.client_id, reg.client_secret)})

    def _token_request(self, form: dict[str, str]) -> Response:
        request = self._authenticated(self._token_url, form)
        if self._proofs is not None:  # RFC 9449 §5: every token request of a DPoP app
            return self._proofs.send(self.auth.handle, request)
        return self.auth.handle(request, sender=self.name)

    def _accept(self, response: Response, *, refreshed: str | None = None,
                nonce: str | None = None) -> bool:
        """Keep the tokens of a successful token response; give up on anything else — also on
        a token of a type the app does not understand, keeping none of the response's tokens.

        A refresh answer with a new refresh token replaces the spent one; without one, the app
        keeps using ``refreshed`` (RFC 6749 §6), and the ID token of the login stays (an ID token
        in a refresh answer, which OpenID Connect Core §12.2 allows, is not used).

        ``nonce`` is the one an ``openid`` login sent: its response must then carry an ID token
        that passes :func:`~tokenlab.jose.idtoken.validate_id_token`. A login response whose ID
        token is refused changes nothing: the app keeps what it held, and says why in
        :attr:`last_error`."""
        body = response.json()
        token = body.get("access_token")
        if response.status != 200 or not isinstance(token, str):
            error, _, description = _error_text(response).partition(": ")
            self._give_up(error, description)
            return False
        scheme = self._understood(body.get("token_type", _MISSING))
        if scheme is None:
            return False
        identity: tuple[str, dict[str, Any]] | None = None
        if refreshed is None and (nonce is not None or "id_token" in body):
            try:
                identity = self._id_tokens.validated(body.get("id_token"), token, nonce)
            except TokenError as err:
                self.last_error = f"{err.error}: {err.description}"
                return False
        held_id_token = self.storage.load().get("id_token") if refreshed is not None else None
        items = {"access_token": token, "token_type": scheme,
                 "obtained_at": repr(self.auth.clock.time()),
                 "expires_in": str(body.get("expires_in", 0)), "scope": str(body.get("scope", ""))}
        refresh_token = body.get("refresh_token")
        if isinstance(refresh_token, str) or refreshed is not None:
            items["refresh_token"] = refresh_token if isinstance(refresh_token, str) else refreshed
        if identity is not None:
            items["id_token"] = identity[0]
            self._identity = identity
        elif held_id_token is not None:
            items["id_token"] = held_id_token
        self.storage.clear()
        self.storage.save(items)
        self.last_error = None
        return True

    def _asks_openid(self) -> bool:
        """Whether the login asks for ``openid``: in the app's scope, or (scope omitted, which
        means every registered scope) in its registration."""
        scopes = self.scope.split() if self.scope is not None else self.registration.scopes
        return OPENID in scopes

    def _understood(self, token_type: object) -> str | None:
        """The ``Authorization`` scheme for ``token_type``, or ``None`` after giving up on it.

        RFC 6749 §7.1: "The client MUST NOT use an access token if it does not understand the
        token type." §5.1 makes ``token_type`` REQUIRED and case insensitive."""
        if isinstance(token_type, str) and token_type.lower() in self.token_types:
            return self.token_types[token_type.lower()]
        got = "no token_type" if token_type is _MISSING else f"token_type {token_type!r}"
        known = " or ".join(repr(s) for s in self.token_types.values())
        self._give_up("unsupported_token_type",
                      f"the token response has {got}; this app understands only {known}, so it "
                      "keeps none of its tokens (RFC 6749 §7.1: the client MUST NOT use an access "
                      "token if it does not understand the token type)")
        return None

    def _give_up(self, error: str, description: str) -> None:
        """Forget every token and say why: the user has to log in again."""
        self.storage.clear()
        self.last_error = f"{error}: {description}" if description else error

    def __repr__(self) -> str:
        state = "logged in" if self.logged_in else "logged out"
        key = "" if self.dpop_key is None else f", DPoP key {self.dpop_key.thumbprint!r}"
        return (f"Client({self.name!r}, grant={self.grant!r}, storage={self.storage.kind!r}, "
                f"token_in={self.token_in!r}, {state}{key})")


def _error_text(response: Response) -> str:
    body = response.json()
    error = body.get("error")
    if isinstance(error, str):
        return f"{error}: {body.get('error_description', '')}".rstrip(": ")
    return f"http_{response.status}: {response.reason}"
