"""A listener on the path: a TCP relay between client and server that records every byte. On
plain HTTP it reads the bearer token and the client secret; on TLS neither — only TLS records,
the handshake first (RFC 6750 §5.3, RFC 6749 §10.3: tokens and credentials need TLS)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests

from tokenlab.serving import Serving
from tokenlab.serving.relay import Relay


def _port(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None
    return port


@pytest.fixture
def relays(request: pytest.FixtureRequest) -> Iterator[list[Relay]]:
    made: list[Relay] = []
    yield made
    for relay in made:
        relay.close()


def _session(verify: str | bool) -> requests.Session:
    s = requests.Session()
    s.trust_env = False  # no proxy, no CA bundle from the environment
    s.verify = verify
    return s


def _through(s: Serving, relays: list[Relay]) -> tuple[Relay, Relay, str, str]:
    """Relays in front of the issuer and the API, and the URLs that go through them."""
    auth_relay, api_relay = Relay(_port(s.issuer)), Relay(_port(s.api))
    relays += [auth_relay, api_relay]
    scheme = urlsplit(s.issuer).scheme
    return (auth_relay, api_relay, f"{scheme}://127.0.0.1:{auth_relay.port}",
            f"{scheme}://127.0.0.1:{api_relay.port}")


def _token_and_call(s: Serving, session: requests.Session, issuer: str, api: str) -> str:
    r = session.post(issuer + "/token", auth=(s.client_id, s.client_secret), timeout=10,
                     data={"grant_type": "client_credentials", "scope": "weather:read"})
    assert r.status_code == 200, r.text
    token = str(r.json()["access_token"])
    answer = session.get(api + "/weather", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return token


def _basic(s: Serving) -> bytes:
    return base64.b64encode(f"{s.client_id}:{s.client_secret}".encode())


def test_rfc6750_5_3_on_plain_http_the_path_reads_the_token_and_the_secret(
        server: Serving, relays: list[Relay]) -> None:
    auth_relay, api_relay, issuer, api = _through(server, relays)
    token = _token_and_call(server, _session(False), issuer, api)
    seen = auth_relay.client_bytes() + api_relay.client_bytes()
    assert b"Authorization: Basic " + _basic(server) in seen  # the client secret, base64 only
    assert base64.b64decode(_basic(server)).endswith(server.client_secret.encode())
    assert f"Bearer {token}".encode() in seen
    assert token.encode() in auth_relay.server_bytes()  # the token response, too


def _tls_records(stream: bytes) -> list[int]:
    """The content types of the TLS records ``stream`` is made of (RFC 8446 §5.1); fails if any
    byte is not part of a record."""
    types, i = [], 0
    while i < len(stream):
        assert i + 5 <= len(stream), "a truncated TLS record header"
        kind, major, length = stream[i], stream[i + 1], int.from_bytes(stream[i + 3:i + 5], "big")
        assert kind in (20, 21, 22, 23) and major == 3, f"not a TLS record at byte {i}"
        types.append(kind)
        i += 5 + length
    assert i == len(stream)
    return types


def test_rfc8446_on_tls_the_path_reads_neither_only_tls_records(
        tls_server: Serving, relays: list[Relay]) -> None:
    assert tls_server.ca_cert is not None
    auth_relay, api_relay, issuer, api = _through(tls_server, relays)
    token = _token_and_call(tls_server, _session(tls_server.ca_cert), issuer, api)
    for relay in (auth_relay, api_relay):
        for stream in (relay.client_bytes(), relay.server_bytes()):
            assert stream, "the relay saw nothing: the test would prove nothing"
            for secret in (token.encode(), _basic(tls_server), tls_server.client_secret.encode(),
                           b"Bearer", b"Authorization", b"HTTP/1.1"):
                assert secret not in stream
            kinds = _tls_records(stream)
            assert kinds[0] == 22  # a handshake record opens each direction
            assert 23 in kinds  # then application data, encrypted


def test_tls_a_client_that_trusts_the_system_cas_only_refuses_the_run_ca(tls_server: Serving) -> None:
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(tls_server.issuer + "/jwks.json", timeout=10, verify=True)
    ok = _session(tls_server.ca_cert).get(tls_server.issuer + "/jwks.json", timeout=10)
    assert ok.status_code == 200 and tls_server.issuer.startswith("https://127.0.0.1:")
    meta = _session(tls_server.ca_cert).get(
        tls_server.issuer + "/.well-known/oauth-authorization-server", timeout=10).json()
    assert meta["token_endpoint"].startswith("https://")


def test_tls_the_certificate_names_localhost_too_and_the_ca_files_go_at_close() -> None:
    import ssl
    import urllib.request
    from pathlib import Path

    import tokenlab

    with tokenlab.serve(tls=True) as s:
        assert s.ca_cert is not None
        ca = Path(s.ca_cert)
        assert ca.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
        ctx = ssl.create_default_context(cafile=s.ca_cert)
        url = s.issuer.replace("127.0.0.1", "localhost") + "/jwks.json"
        with urllib.request.urlopen(url, context=ctx, timeout=10) as r:
            assert r.status == 200
    assert not ca.exists() and not ca.parent.exists()


def test_a_plain_http_client_at_a_tls_port_is_dropped_and_the_server_lives_on(tls_server: Serving) -> None:
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(tls_server.issuer.replace("https", "http") + "/jwks.json", timeout=10)
    assert _session(tls_server.ca_cert).get(tls_server.issuer + "/jwks.json", timeout=10).ok
