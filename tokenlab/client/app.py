"""The client: an app that gets tokens with its grant and calls an API with them.

Everything it does goes over the simulated wire — ``auth.handle`` and ``api.handle`` — so a
lesson can show the whole conversation, and an attacker sees exactly what travelled. The app:

- logs in with its grant: client credentials (RFC 6749 §4.4), the deprecated password grant
  (§4.3, RFC 9700 §2.4), or the authorization code flow with PKCE and ``state`` (§4.1, RFC 7636),
  driving a simulated browser through the login page *at the authorization server*;
- with ``openid`` in its scope, also logs the user in with OpenID Connect: it sends a fresh
  ``nonce`` to ``/authorize`` and validates the ID token of the token response (Core §3.1.3.7:
  the issuer's keys from its JWKS, ``iss``, ``aud``, ``exp``, ``iat``, ``nonce``, ``at_hash``)
  before keeping anything; :attr:`Client.id_token_claims` says who logged in;
- uses only an access token whose ``token_type`` it understands (RFC 6749 §7.1) — ``Bearer``
  (RFC 6750), and ``DPoP`` for an app made with ``dpop=True`` — and sends it in the
  ``Authorization`` header (RFC 6750 §2.1), or — to show why not — in the URL query (§2.3);
- with ``dpop=True`` (RFC 9449), holds a proof key (:class:`~tokenlab.jose.dpop.DPoPKey`,
  derived from the world's seed when the world is seeded) and sends a fresh proof with every
  token request and every API call that carries a DPoP token (``Authorization: DPoP``, with
  ``ath``); a ``use_dpop_nonce`` answer is retried once with the nonce of its ``DPoP-Nonce``
  header, and the latest nonce of each server (by origin) goes into the next proofs (§8, §9);
- refreshes when it knows the token expired, and once after a 401 ``invalid_token``; when
  refreshing fails (a revoked family, a reused refresh token) it gives up cleanly: forgets its
  tokens and reports why in :attr:`Client.last_error`, without raising;
- logs out by revoking its tokens (RFC 7009).

Where it keeps tokens is a :class:`TokenStorage`: a model of the browser's options (a JavaScript
variable, ``localStorage``, or an httpOnly cookie held by a backend-for-frontend), not a browser.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from ..api.http import parse_challenges
from ..authserver.pkce import S256, is_valid_verifier, s256_challenge
from ..errors import TokenError
from ..jose.dpop import DPoPKey
from ..jose.idtoken import ID_TOKEN_ERROR, OPENID, keys_from_jwks, validate_id_token
from ..jose.keys import VerificationKey
from ..jose.tokens import DPOP
from ..net.masking import mask_for_display
from ..net.messages import FORM, Request, Response, basic_authorization
from ..randomness import RandomSource
from .browser import BROWSER
from .storage import TokenStorage, make_storage

if TYPE_CHECKING:
    from ..api.server import ResourceServer
    from ..authserver.clients import RegisteredClient
    from ..authserver.server import AuthServer

__all__ = ["GRANTS", "Client"]

GRANTS = ("client_credentials", "password", "authorization_code")
TOKEN_IN = ("header", "query")
#: RFC 9449 §8.1: nonce = 1*NQCHAR. A DPoP-Nonce value of any other form is not kept.
_NONCE = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")


class _AuthSeed:
    def __repr__(self) -> str:
        return "<the auth server's seed>"


_FROM_AUTH = _AuthSeed()
#: The value of a field the response does not have.
_MISSING = object()


# -- the app -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _PendingLogin:
    """What the app remembers between sending the browser away and its return."""

    state: str
    verifier: str
    #: The OpenID Connect ``nonce`` sent with an ``openid`` login (Core §3.1.2.1), else ``None``.
    nonce: str | None = None

    def __repr__(self) -> str:
        """The verifier shortened, as the wire shows it (RFC 7636 §7.1: "The security model
        relies on the fact that the code verifier is not learned or guessed by the attacker")."""
        nonce = "" if self.nonce is None else f", nonce={self.nonce!r}"
        return (f"_PendingLogin(state={self.state!r}, "
                f"verifier={mask_for_display(self.verifier, 'code_verifier')!r}{nonce})")


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
            self.dpop_key = DPoPKey.generate("ES256", random=self._dpop_random(),
                                             clock=auth.clock)
        if self.dpop_key is not None:
            self.token_types = MappingProxyType({**type(self).token_types, "dpop": DPOP})
        #: The latest DPoP nonce each server handed out, by origin (RFC 9449 §8, §9).
        self._dpop_nonces: dict[str, str] = {}
        #: Why the last login, refresh or logout failed, as ``"error_code: description"``.
        self.last_error: str | None = None
        self._pending: _PendingLogin | None = None
        #: The code and the pending login of a redirect that passed the state check, for
        #: exchange_code().
        self._received: tuple[str, _PendingLogin] | None = None
        #: The ID token held and its validated claims (OpenID Connect), see id_token_claims.
        self._identity: tuple[str, dict[str, Any]] | None = None
        #: The issuer's public keys by kid, from its JWKS, fetched when an ID token needs one.
        self._issuer_keys: dict[str, VerificationKey] = {}
        meta = auth.metadata()
        self._issuer: str = meta["issuer"]
        self._jwks_url: str = meta["jwks_uri"]
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
        purpose = f"client {self.registration.client_id}"
        verifier = self.random.token_urlsafe(f"{purpose} pkce_verifier", 32)
        assert is_valid_verifier(verifier)
        state = self.random.token_urlsafe(f"{purpose} state", 16)
        # OpenID Connect Core §3.1.2.1: a nonce ties the ID token to this login (§15.5.2: a
        # fresh, unguessable value per login).
        nonce = self.random.token_urlsafe(f"{purpose} nonce", 16) if self._asks_openid() else None
        self._pending = _PendingLogin(state, verifier, nonce)
        self._received = None
        assert self.redirect_uri is not None
        params = self._with_target({
            "response_type": "code", "client_id": self.registration.client_id,
            "redirect_uri": self.redirect_uri, "state": state,
            "code_challenge": s256_challenge(verifier), "code_challenge_method": S256})
        if nonce is not None:
            params["nonce"] = nonce
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
        back = self.redirect_uri is not None and urlsplit(url)._replace(query="") == urlsplit(
            self.redirect_uri)._replace(query="")
        got = params.get("state", "")
        if not back or pending is None or not hmac.compare_digest(
                got.encode("utf-8"), pending.state.encode("utf-8")):
            why = ("not this app's redirect URI" if not back else
                   "no login in progress" if pending is None else "state does not match")
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
                and _challenge_error(response) == "invalid_token" and self._renew()):
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
        if token is not None and scheme == DPOP and self.dpop_key is not None:
            # RFC 9449 §7.1: a DPoP token goes with a proof for this request, with its ath.
            return self._with_proof(self.api.handle, request, access_token=token)
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
        if self.dpop_key is not None:  # RFC 9449 §5: every token request of a DPoP app
            return self._with_proof(self.auth.handle, request)
        return self.auth.handle(request, sender=self.name)

    # -- DPoP (RFC 9449) --------------------------------------------------------------------------

    def _dpop_random(self) -> RandomSource:
        """Where the proof key and its ``jti`` values come from: derived from this app's seed and
        client id when seeded (demo-only, like every seeded key), :mod:`secrets` otherwise."""
        seed = self.random.seed
        return RandomSource(None if seed is None else
                            f"{seed!r}\x00client {self.registration.client_id} dpop")

    def _with_proof(self, handle: Callable[..., Response], request: Request, *,
                    access_token: str | None = None) -> Response:
        """Send ``request`` with a fresh DPoP proof (and ``ath`` of ``access_token``), keeping
        the server's latest nonce; a ``use_dpop_nonce`` answer is retried once, with a new proof
        carrying the nonce it handed out (RFC 9449 §8, §9)."""
        response = handle(self._proved(request, access_token), sender=self.name)
        if self._keep_nonce(request.url, response) and _asks_for_nonce(response):
            response = handle(self._proved(request, access_token), sender=self.name)
            self._keep_nonce(request.url, response)
        return response

    def _proved(self, request: Request, access_token: str | None) -> Request:
        """``request`` with a ``DPoP`` header: a new proof for its method and URL, made now by the
        world's clock (also for a key given without one)."""
        assert self.dpop_key is not None
        proof = self.dpop_key.proof(request.method, request.url, now=self.auth.clock.time(),
                                    access_token=access_token,
                                    nonce=self._dpop_nonces.get(_origin(request.url)))
        return Request(request.method, request.url, {**request.headers, "DPoP": proof},
                       request.body)

    def _keep_nonce(self, url: str, response: Response) -> bool:
        """Keep the ``DPoP-Nonce`` of ``response`` as the latest of the server at ``url``;
        ``True`` when it carried a new one (a value of the wrong form is not kept)."""
        nonce = response.headers.get("DPoP-Nonce")
        if nonce is None or _NONCE.fullmatch(nonce) is None:
            return False
        changed = self._dpop_nonces.get(_origin(url)) != nonce
        self._dpop_nonces[_origin(url)] = nonce
        return changed

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
                identity = self._validated_id_token(body.get("id_token"), token, nonce)
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

    def _validated_id_token(self, id_token: object, access_token: str,
                            nonce: str | None) -> tuple[str, dict[str, Any]]:
        """The ID token and its claims, validated as OpenID Connect Core §3.1.3.7 says (and
        §3.1.3.8's ``at_hash``), with the issuer's keys from its JWKS; else a TokenError."""
        if not isinstance(id_token, str):
            raise TokenError(
                "the token response carries no id_token, though this login asked for openid: "
                "the app does not know who logged in (OpenID Connect Core §3.1.3.3)",
                error=ID_TOKEN_ERROR)
        claims = validate_id_token(
            id_token, issuer=self._issuer, client_id=self.registration.client_id,
            keys=self._issuer_key, now=self.auth.clock.time(), nonce=nonce,
            access_token=access_token)
        return id_token, claims

    def _issuer_key(self, kid: str) -> VerificationKey | None:
        """The issuer's key ``kid``; an unknown kid fetches the JWKS (again), as after a key
        rotation (RFC 7517 §5, RFC 8414 ``jwks_uri``)."""
        if kid not in self._issuer_keys:
            response = self.auth.handle(Request.get(self._jwks_url), sender=self.name)
            if response.status == 200:
                self._issuer_keys = keys_from_jwks(response.json())
        return self._issuer_keys.get(kid)

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


def _challenge_error(response: Response) -> str | None:
    """The ``error`` of the Bearer or DPoP challenge that carries one (RFC 6750 §3, RFC 9449
    §7.1), if any: the one for the scheme the request used comes first."""
    header = response.headers.get("WWW-Authenticate")
    if header is None:
        return None
    for scheme, params in parse_challenges(header):
        if scheme.lower() in ("bearer", "dpop") and "error" in params:
            return params["error"]
    return None


def _asks_for_nonce(response: Response) -> bool:
    """A ``use_dpop_nonce`` answer: 400 from a token endpoint (RFC 9449 §8), 401 with a DPoP
    challenge from an API (§9)."""
    if response.status == 400:
        return response.json().get("error") == "use_dpop_nonce"
    return response.status == 401 and _challenge_error(response) == "use_dpop_nonce"


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, in lower case: which server a nonce belongs to."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _error_text(response: Response) -> str:
    body = response.json()
    error = body.get("error")
    if isinstance(error, str):
        return f"{error}: {body.get('error_description', '')}".rstrip(": ")
    return f"http_{response.status}: {response.reason}"
