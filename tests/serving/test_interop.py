"""Standard clients against the running server: discovery, curl, Authlib, PyJWT's PyJWKClient,
requests-oauth2client's DPoP — none of them knows tokenlab, so what passes here transfers."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from requests_oauth2client import DPoPToken, OAuth2Client

import tokenlab
from tokenlab.serving import Serving

from .conftest import run_curl, split_status


def _metadata(s: Serving, verify: str | bool = True) -> dict[str, str]:
    r = requests.get(s.issuer + "/.well-known/oauth-authorization-server", timeout=10, verify=verify)
    r.raise_for_status()
    return dict(r.json())


def _curl_token(curl: str, s: Serving, scope: str = "weather:read") -> str:
    out = run_curl(curl, "-u", f"{s.client_id}:{s.client_secret}",
                   "-d", "grant_type=client_credentials", "-d", f"scope={scope}",
                   _metadata(s)["token_endpoint"])
    body, status = split_status(out.stdout)
    assert status == 200, (out.stderr, body)
    return str(json.loads(body)["access_token"])


def test_rfc6749_4_4_client_credentials_with_curl_basic_auth(curl_path: str, server: Serving) -> None:
    token = _curl_token(curl_path, server)
    out = run_curl(curl_path, "-H", f"Authorization: Bearer {token}", server.api + "/weather")
    body, status = split_status(out.stdout)
    assert status == 200, body
    assert json.loads(body)  # the forecast
    out = run_curl(curl_path, "-u", f"{server.client_id}:wrong-secret",
                   "-d", "grant_type=client_credentials", server.issuer + "/token")
    assert split_status(out.stdout)[1] == 401


def test_rfc6750_3_1_curl_without_a_token_gets_the_bearer_challenge(curl_path: str, server: Serving) -> None:
    out = run_curl(curl_path, "-D", "-", server.api + "/weather")
    head, status = split_status(out.stdout)
    assert status == 401
    assert "www-authenticate: bearer realm=" in head.lower()


def test_rfc7009_2_revocation_with_curl_then_the_api_refuses(curl_path: str, server: Serving) -> None:
    token = _curl_token(curl_path, server)
    meta = _metadata(server)
    out = run_curl(curl_path, "-u", f"{server.client_id}:{server.client_secret}",
                   "--data-urlencode", f"token={token}", meta["revocation_endpoint"])
    assert split_status(out.stdout)[1] == 200
    out = run_curl(curl_path, "-H", f"Authorization: Bearer {token}", server.api + "/weather")
    body, status = split_status(out.stdout)
    assert status == 401 and ("revoked" in body.lower() or "denylist" in body.lower()), body


def test_rfc7662_2_introspection_with_curl(curl_path: str, server: Serving) -> None:
    token = _curl_token(curl_path, server)
    meta = _metadata(server)
    auth = ("-u", f"{server.client_id}:{server.client_secret}")
    body, status = split_status(run_curl(curl_path, *auth, "--data-urlencode", f"token={token}",
                                         meta["introspection_endpoint"]).stdout)
    answer = json.loads(body)
    assert status == 200 and answer["active"] is True and answer["scope"] == "weather:read"
    assert answer["client_id"] == server.client_id
    run_curl(curl_path, *auth, "--data-urlencode", f"token={token}", meta["revocation_endpoint"])
    body, _ = split_status(run_curl(curl_path, *auth, "--data-urlencode", f"token={token}",
                                    meta["introspection_endpoint"]).stdout)
    assert json.loads(body) == {"active": False}


def test_rfc6749_4_4_client_credentials_with_authlib(server: Serving) -> None:
    meta = _metadata(server)
    with OAuth2Session(server.client_id, server.client_secret, scope="weather:read") as session:
        token = session.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
        assert token["token_type"] == "Bearer" and token["expires_in"] == 300
        r = session.get(server.api + "/weather", timeout=10)  # Authlib adds the header
        assert r.status_code == 200, r.text
        assert r.request.headers["Authorization"] == f"Bearer {token['access_token']}"


def _login_like_a_browser(authorize_url: str, username: str, password: str) -> str:
    """GET the authorization URL (the login page), then POST the form with the user's
    credentials as a browser would; the answer is the 302 back to the app."""
    page = requests.get(authorize_url, allow_redirects=False, timeout=10)
    assert page.status_code == 200 and "Sign in" in page.text
    form = dict(parse_qsl(urlsplit(authorize_url).query))
    form.update(username=username, password=password)
    action = authorize_url.split("?")[0]
    answer = requests.post(action, data=form, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def test_rfc7636_authorization_code_with_pkce_driven_by_authlib(server: Serving) -> None:
    meta = _metadata(server)
    info = server.info()
    verifier = "v" * 20 + tokenlab.make_verifier()[:40]
    with OAuth2Session(server.client_id, server.client_secret, scope="weather:read",
                       redirect_uri=info["redirect_uri"], code_challenge_method="S256") as session:
        url, state = session.create_authorization_url(meta["authorization_endpoint"],
                                                      code_verifier=verifier)
        query = dict(parse_qsl(urlsplit(url).query))
        assert query["code_challenge"] == create_s256_code_challenge(verifier)
        location = _login_like_a_browser(url, info["username"], info["password"])
        assert location.startswith(info["redirect_uri"] + "?")
        assert dict(parse_qsl(urlsplit(location).query))["state"] == state
        token = session.fetch_token(meta["token_endpoint"], authorization_response=location,
                                    code_verifier=verifier)
        assert token["refresh_token"]
        r = session.get(server.api + "/me", timeout=10)
        assert r.status_code == 200 and r.json()["sub"] == info["username"], r.text
    # the same code again is refused (RFC 6749 §4.1.2: single use)
    code = dict(parse_qsl(urlsplit(location).query))["code"]
    again = requests.post(meta["token_endpoint"], timeout=10, auth=(server.client_id, server.client_secret),
                          data={"grant_type": "authorization_code", "code": code,
                                "redirect_uri": info["redirect_uri"], "code_verifier": verifier})
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_rfc7636_4_6_a_wrong_verifier_is_refused_by_the_real_token_endpoint(server: Serving) -> None:
    meta = _metadata(server)
    info = server.info()
    with OAuth2Session(server.client_id, server.client_secret, scope="weather:read",
                       redirect_uri=info["redirect_uri"], code_challenge_method="S256") as session:
        url, _ = session.create_authorization_url(meta["authorization_endpoint"],
                                                  code_verifier="a" * 43)
        location = _login_like_a_browser(url, info["username"], info["password"])
        with pytest.raises(Exception, match="invalid_grant"):
            session.fetch_token(meta["token_endpoint"], authorization_response=location,
                                code_verifier="b" * 43)


def test_rfc9068_tokens_verify_with_pyjwkclient_from_jwks_uri(server: Serving) -> None:
    meta = _metadata(server)
    r = requests.post(meta["token_endpoint"], auth=(server.client_id, server.client_secret),
                      data={"grant_type": "client_credentials", "scope": "weather:read"}, timeout=10)
    token = r.json()["access_token"]
    key = jwt.PyJWKClient(meta["jwks_uri"], cache_keys=False).get_signing_key_from_jwt(token)
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, key=key, algorithms=[header["alg"]], audience=server.api,
                        issuer=server.issuer)
    assert header["typ"] == "at+jwt"
    assert claims["client_id"] == server.client_id and claims["scope"] == "weather:read"


@pytest.fixture(scope="module")
def dpop_tls_server() -> Iterator[Serving]:
    with tokenlab.serve(tls=True, dpop_required=True) as s:
        yield s


def _thumbprint(jwk: dict[str, str]) -> str:
    members = {k: jwk[k] for k in sorted(("crv", "kty", "x", "y")) if k in jwk}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":")).encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_rfc9449_dpop_with_requests_oauth2client_bound_and_accepted(dpop_tls_server: Serving) -> None:
    s = dpop_tls_server
    assert s.ca_cert is not None
    session = requests.Session()
    session.trust_env = False  # else REQUESTS_CA_BUNDLE, if set, replaces session.verify
    session.verify = s.ca_cert
    meta = _metadata(s, verify=s.ca_cert)
    client = OAuth2Client(meta["token_endpoint"], client_id=s.client_id, client_secret=s.client_secret,
                          session=session)
    token = client.client_credentials(scope="weather:read", dpop=True)
    assert isinstance(token, DPoPToken) and token.token_type == "DPoP"
    claims = jwt.decode(token.access_token, options={"verify_signature": False})
    assert claims["cnf"]["jkt"] == _thumbprint(token.dpop_key.private_key.public_jwk())
    r = requests.get(s.api + "/weather", auth=token, verify=s.ca_cert, timeout=10)
    assert r.status_code == 200, r.text
    assert r.request.headers["Authorization"].startswith("DPoP ") and "DPoP" in r.request.headers
    # RFC 9449 §7.2: the same token without a proof is refused, as Bearer or as DPoP
    bare = requests.get(s.api + "/weather", headers={"Authorization": f"Bearer {token.access_token}"},
                        verify=s.ca_cert, timeout=10)
    assert bare.status_code == 401 and "DPoP" in bare.headers["WWW-Authenticate"]
    no_proof = requests.get(s.api + "/weather", headers={"Authorization": f"DPoP {token.access_token}"},
                            verify=s.ca_cert, timeout=10)
    assert no_proof.status_code == 401


def test_rfc9449_7_dpop_required_refuses_a_bearer_token(dpop_tls_server: Serving) -> None:
    s = dpop_tls_server
    assert s.ca_cert is not None
    r = requests.post(s.issuer + "/token", auth=(s.client_id, s.client_secret), verify=s.ca_cert,
                      data={"grant_type": "client_credentials", "scope": "weather:read"}, timeout=10)
    assert r.status_code == 200 and r.json()["token_type"] == "Bearer"
    api = requests.get(s.api + "/weather", verify=s.ca_cert, timeout=10,
                       headers={"Authorization": f"Bearer {r.json()['access_token']}"})
    assert api.status_code == 401
