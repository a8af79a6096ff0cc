"""The secure-setup checklist of notebook 11: every recommendation of the article's "Using API
Tokens Securely" part, and the main ones of RFC 9700 (OAuth 2.0 security BCP) and RFC 8725 (JWT
best practices), as checks run against real objects — an authorization server, its API and an app.

``Checklist(auth, api, client).run()`` gives one :class:`CheckRow` per check: passed or not, the
reason (facts read from the objects themselves, never from a label or a setting's name) and the
fix (the exact setting to change). Nothing is changed by a check: it only reads.

For example ``Checklist(*hardened().actors).run().passed`` is ``True`` for the prepared hardened
setup of :mod:`tokenlab.course.setups`, and ``print(result)`` shows every row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..api.server import ResourceServer
from ..authserver.server import AuthServer
from ..client.app import Client
from ..client.storage import TokenStorage
from ..clock import format_duration
from ..sqlite_store import SQLiteStore

__all__ = ["CHECKS", "DAY", "LOCAL_HOSTS", "MAX_ACCESS_TTL", "MAX_KEY_AGE", "CheckRow",
           "Checklist", "ChecklistResult", "compare"]

DAY = 86400
#: The longest access-token lifetime the checklist accepts, in seconds. RFC 6750 §5.3 sets one
#: hour as the upper bound ("one hour or less"); a stolen bearer token works for its whole
#: lifetime (notebook 08), so the checklist asks for minutes.
MAX_ACCESS_TTL = 600
#: The oldest a signing key in use may be before the checklist asks for a rotation.
MAX_KEY_AGE = 90 * DAY
#: Hosts where plain http never leaves the machine. RFC 8414 §2 asks for an https issuer
#: everywhere; accepting these is tokenlab's choice for its local servers (docs/conformance.md).
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True, slots=True)
class CheckRow:
    """One check's outcome: ``name``, ``passed``, ``reason`` (the facts), ``fix`` (what to change;
    empty when it passed) and ``source`` (who recommends it: the article, an RFC and section)."""

    name: str
    passed: bool
    reason: str
    fix: str
    source: str

    def text(self) -> str:
        mark = "✔ pass" if self.passed else "✘ FAIL"
        lines = [f"{mark}  {self.name} ({self.source})", f"        why: {self.reason}"]
        if self.fix:
            lines.append(f"        fix: {self.fix}")
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class ChecklistResult:
    """The rows of one run, in the order of :data:`CHECKS`; ``what`` names the setup checked."""

    what: str
    rows: tuple[CheckRow, ...]

    @property
    def passed(self) -> bool:
        """True when every check passed."""
        return all(r.passed for r in self.rows)

    @property
    def failures(self) -> tuple[CheckRow, ...]:
        return tuple(r for r in self.rows if not r.passed)

    def row(self, name: str) -> CheckRow:
        """The row of the check called ``name``."""
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(f"no check {name!r}; the checks: {', '.join(CHECKS)}")

    def table(self) -> str:
        """One line per check: pass or FAIL and its name (the short table)."""
        width = max(len(r.name) for r in self.rows)
        lines = [f"{'check':<{width}}  result", f"{'-' * width}  ------"]
        lines += [f"{r.name:<{width}}  {'pass' if r.passed else 'FAIL'}" for r in self.rows]
        return "\n".join(lines)

    def fixes(self) -> str:
        """One line per check, and under each failure the setting to change (no reasons): what
        is left to do, at a glance."""
        passed = len(self.rows) - len(self.failures)
        head = (f"{passed} of {len(self.rows)} checks pass"
                + (": nothing to fix" if self.passed else "; under each FAIL, the setting to change:"))
        lines = [head]
        for r in self.rows:
            lines.append(f"{'pass' if r.passed else 'FAIL'}  {r.name}")
            if r.fix:
                lines.append(f"      fix: {r.fix}")
        return "\n".join(lines)

    def text(self) -> str:
        """Every row with its reason and, for a failure, its fix."""
        head = (f"Checklist for {self.what}: {len(self.rows) - len(self.failures)} of "
                f"{len(self.rows)} checks pass")
        return "\n".join([head, *(r.text() for r in self.rows)])

    def __iter__(self) -> Iterator[CheckRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __str__(self) -> str:
        return self.text()


def compare(results: Mapping[str, ChecklistResult]) -> str:
    """One table, a column per setup: each check's pass or FAIL, and the count of passes."""
    names = list(results)
    width = max(len(c) for c in CHECKS)
    lines = [f"{'check':<{width}}  " + "  ".join(f"{n:<9}" for n in names)]
    for check in CHECKS:
        marks = ("pass" if results[n].row(check).passed else "FAIL" for n in names)
        lines.append(f"{check:<{width}}  " + "  ".join(f"{m:<9}" for m in marks))
    totals = (f"{len(r) - len(r.failures)}/{len(r)}" for r in results.values())
    lines.append(f"{'checks passed':<{width}}  " + "  ".join(f"{t:<9}" for t in totals))
    return "\n".join(line.rstrip() for line in lines)


def _is_https(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOCAL_HOSTS)


class Checklist:
    """The checks of :data:`CHECKS`, run against ``auth`` (the authorization server), ``api`` (a
    resource server trusting it) and ``client`` (an app of ``auth`` calling ``api``).

    ``max_access_ttl`` and ``max_key_age`` are the limits of two checks, in seconds. A fix is
    written with the names notebook 11 imports from :mod:`tokenlab.course.setups` (``API``,
    ``CALLBACK``, ``durable_store``) and its ``clock``, so it can be copied as it stands.
    """

    def __init__(self, auth: AuthServer, api: ResourceServer, client: Client, *,
                 max_access_ttl: int = MAX_ACCESS_TTL, max_key_age: float = MAX_KEY_AGE) -> None:
        for name, value, kind in (("auth", auth, AuthServer), ("api", api, ResourceServer),
                                  ("client", client, Client)):
            if not isinstance(value, kind):
                raise TypeError(f"{name} must be a {kind.__name__}, not {type(value).__name__}")
        if client.auth is not auth:
            raise ValueError("the client is an app of another authorization server than auth: "
                             "pass the three of one setup")
        if client.api is not api:
            raise ValueError("the client calls another API than api: pass the three of one setup")
        self.auth, self.api, self.client = auth, api, client
        self.max_access_ttl = max_access_ttl
        self.max_key_age = max_key_age

    def run(self) -> ChecklistResult:
        """Every check, in order; reads the objects, changes nothing."""
        what = f"{self.client.name!r} at {self.auth.issuer} → {self.api.audience}"
        return ChecklistResult(what, tuple(check(self) for check in _CHECKS))

    # -- the checks -------------------------------------------------------------------------------

    def https(self) -> CheckRow:
        urls = {"the issuer": self.auth.issuer,
                "the token endpoint": self.auth.metadata()["token_endpoint"],
                "the API": self.api.audience}
        plain = [f"{what} is {url}" for what, url in urls.items() if not _is_https(url)]
        if plain:
            fixes = []
            if not _is_https(self.api.audience):
                fixes.append(f"ResourceServer('https://{_host(self.api.audience)}', ...)")
            if not (_is_https(self.auth.issuer) and _is_https(urls["the token endpoint"])):
                fixes.append(f"AuthServer('https://{_host(self.auth.issuer)}', ...)")
            return _fail("HTTPS everywhere", "; ".join(plain) + ": plain HTTP off this machine, "
                         "so anyone on the path reads the token in every request",
                         "serve it over TLS: " + " and ".join(fixes), "article; RFC 6750 §5.3")
        return _pass("HTTPS everywhere", "the issuer, the token endpoint and the API are https "
                     "(or on this machine)", "article; RFC 6750 §5.3")

    def access_ttl(self) -> CheckRow:
        ttl = self.auth.access_ttl
        name, source = "short-lived access tokens", "article; RFC 6750 §5.3"
        if ttl > self.max_access_ttl:
            return _fail(name, f"access_ttl is {ttl} s ({format_duration(ttl)}): a stolen "
                         f"access token works that long; this checklist allows "
                         f"{self.max_access_ttl} s, RFC 6750 §5.3 at most one hour",
                         "AuthServer(..., access_ttl=300)", source)
        return _pass(name, f"access_ttl is {ttl} s, within the {self.max_access_ttl} s allowed",
                     source)

    def refresh_rotation(self) -> CheckRow:
        name, source = "refresh rotation with reuse detection", "RFC 9700 §4.14.2"
        if not self.auth.issuance.rotate_refresh_tokens:
            return _fail(name, "the server returns the same refresh token on every refresh: a "
                         "stolen copy works beside the app's and nothing notices",
                         "AuthServer(..., rotate_refresh_tokens=True) (the default)", source)
        return _pass(name, "each refresh spends the refresh token; a spent one presented again "
                     "revokes the whole family", source)

    def hardened_verifier(self) -> CheckRow:
        name, source = "hardened verifier", "RFC 8725 §3.1, §3.5"
        switches = self.api.policy.insecure_switches
        weak = [k.kid for k in self.auth.keys.published() if k.insecure]
        problems, fixes = [], []
        if switches:
            problems.append(f"the API's policy has {', '.join(switches)} on")
            fixes.append("ResourceServer(...) without policy=, or VerifierPolicy(issuer=..., "
                         "audience=...) naming the same issuer and API URL as the ResourceServer, "
                         "with no insecure_* switch")
        if weak:
            problems.append(f"the issuer signs with a weak HMAC secret (key {', '.join(weak)}), "
                            "crackable from one token")
            fixes.append("AuthServer(...) without insecure_hmac_secret (algorithm='EdDSA', the "
                         "default), or auth.rotate_keys() to draw a strong key")
        missing = [c for c in ("exp", "jti", "aud") if c not in self.api.policy.required_claims]
        if missing and not switches:
            problems.append(f"the policy does not require {', '.join(missing)}")
            fixes.append("keep required_claims at RFC 9068 §2.2's list (the default)")
        if problems:
            return _fail(name, "; ".join(problems), "; ".join(fixes), source)
        algs = sorted({k.algorithm for k in self.auth.keys.published()})
        return _pass(name, f"no insecure_* switch on the API; keys {', '.join(algs)}, one "
                     "algorithm per key, none weak", source)

    def no_token_in_url(self) -> CheckRow:
        name, source = "tokens never in URLs", "RFC 6750 §5.3"
        in_urls = sum(1 for e in self.auth.wire if "access_token" in e.query)
        if self.client.token_in != "header":  # noqa: S105 - a place, not a secret
            return _fail(name, f"the app sends its token in the URL query (token_in="
                         f"{self.client.token_in!r}); {in_urls} request(s) on the wire carried "
                         "one: URLs land in access logs, history and Referer headers",
                         "Client(..., token_in='header') (the default)", source)
        note = f"; yet {in_urls} request(s) on the wire carried one in the URL" if in_urls else ""
        return _pass(name, f"the app sends its token in the Authorization header{note}", source)

    def storage(self) -> CheckRow:
        name = "storage not readable by script"
        source = "article (corrected); OAuth 2.0 for Browser-Based Apps (draft)"
        storage = self.client.storage
        readable = _readable_by_script(storage)
        if readable:
            return _fail(name, f"the app keeps its tokens in {storage.kind}, which any script on "
                         "the page reads: one XSS and both tokens leave",
                         "Client(..., storage='cookie'): a backend-for-frontend keeps the tokens "
                         "behind an HttpOnly cookie (or storage='memory' for short sessions)",
                         source)
        return _pass(name, f"the app keeps its tokens in {storage.kind}; no storage API shows "
                     "them to a script", source)

    def sender_constrained(self) -> CheckRow:
        name, source = "sender-constrained tokens", "RFC 9449; RFC 9700 §2.2.1"
        problems = []
        if self.client.dpop_key is None:
            problems.append("the app holds no DPoP key, so its tokens are bearer tokens that "
                            "work for whoever holds them")
        if self.api.dpop != "required":
            problems.append(f"the API takes DPoP {self.api.dpop!r}, so bearer tokens pass")
        if problems:
            return _fail(name, "; ".join(problems),
                         "Client(..., dpop=True) and ResourceServer(..., dpop='required')", source)
        return _pass(name, "the app proves its key with every call and the API requires it: "
                     "a stolen token alone is refused", source)

    def revocation(self) -> CheckRow:
        name, source = "revocation reaches the API", "article; RFC 7009 §2"
        mode = self.api.revocation
        if mode == "none":
            return _fail(name, "the API never asks about revocations (revocation='none'): a "
                         "revoked token passes until its exp",
                         "ResourceServer(..., revocation='denylist') (the default with auth=)",
                         source)
        delay = self.api.introspection_cache_ttl
        late = f", answers cached {delay:g} s" if mode == "introspect" and delay else ""
        return _pass(name, f"the API checks every token with {mode!r}{late}", source)

    def durable_store(self) -> CheckRow:
        name, source = "durable revocation store", "RFC 7009 §2; notebook 06"
        store = self.auth.store
        kind = type(store).__name__
        if isinstance(store, SQLiteStore):
            return _pass(name, f"auth.store is a {kind}: revocations and refresh families are "
                         "on disk and survive a restart", source)
        return _fail(name, f"auth.store is a {kind}: a restart forgets every revocation and "
                     "refresh family", "AuthServer(..., store=durable_store(clock)): a "
                     "SQLiteStore (tokenlab.sqlite_store) in a new file", source)

    def key_rotation(self) -> CheckRow:
        name, source = "key rotation with an overlap", "RFC 7517 §5; RFC 8725 §3.5"
        ring = self.auth.keys
        age = self.auth.clock.time() - ring.current.created_at
        problems, fixes = [], []
        if age > self.max_key_age:
            problems.append(f"the signing key {ring.current.kid!r} has signed for "
                            f"{format_duration(age)}, over the {format_duration(self.max_key_age)}"
                            " allowed")
            fixes.append("auth.rotate_keys() now and on a schedule")
        if self.api.auth is not self.auth:
            problems.append("the API trusts a copy of the JWKS taken once: after a rotation it "
                            "refuses every new token")
            fixes.append("ResourceServer(..., auth=auth), or re-fetch the JWKS for an unknown kid")
        elif ring.leeway < self.api.policy.leeway:
            problems.append(f"retired keys stay {ring.leeway:g} s past their last token, less "
                            f"than the API's leeway of {self.api.policy.leeway:g} s")
            fixes.append("auth.register_resource(api.audience, leeway=...) with the API's leeway")
        if problems:
            return _fail(name, "; ".join(problems), "; ".join(fixes), source)
        return _pass(name, f"the key in use is {format_duration(age)} old; after a rotation the "
                     f"old key stays published until its last token expires + {ring.leeway:g} s",
                     source)

    def no_password_grant(self) -> CheckRow:
        name, source = "no password grant", "RFC 9700 §2.4"
        if self.client.grant == "password":
            return _fail(name, "the app collects the user's password and sends it to the server "
                         "(the password grant)", "Client(..., grant='authorization_code') (PKCE "
                         "comes with it), and register_client(..., redirect_uris=[CALLBACK]): "
                         "CALLBACK is the app's callback address, where the login returns",
                         source)
        return _pass(name, f"the app logs in with {self.client.grant.replace('_', ' ')}", source)


def _pass(name: str, reason: str, source: str) -> CheckRow:
    return CheckRow(name, True, reason, "", source)


def _fail(name: str, reason: str, fix: str, source: str) -> CheckRow:
    return CheckRow(name, False, reason, fix, source)


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def _readable_by_script(storage: TokenStorage) -> bool:
    """Whether a script could read what ``storage`` holds: tried on a fresh storage of the same
    kind holding a probe, so an empty storage (nobody logged in yet) is judged too."""
    try:
        probe = type(storage)()
    except TypeError:  # a storage class that needs arguments: judge the one given
        return bool(storage.readable_by_script())
    probe.save({"access_token": "probe"})
    return "probe" in probe.readable_by_script().values()


_CHECKS: tuple[Callable[[Checklist], CheckRow], ...] = (
    Checklist.https, Checklist.access_ttl, Checklist.refresh_rotation,
    Checklist.hardened_verifier, Checklist.no_token_in_url, Checklist.storage,
    Checklist.sender_constrained, Checklist.revocation, Checklist.durable_store,
    Checklist.key_rotation, Checklist.no_password_grant)
#: The names of the checks, in the order they run.
CHECKS = ("HTTPS everywhere", "short-lived access tokens", "refresh rotation with reuse detection",
          "hardened verifier", "tokens never in URLs", "storage not readable by script",
          "sender-constrained tokens", "revocation reaches the API", "durable revocation store",
          "key rotation with an overlap", "no password grant")
