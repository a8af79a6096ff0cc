"""The HTTP adapter: real HTTP on 127.0.0.1 in, tokenlab's Request out, the server's very
``handle()`` answering, its Response back on the socket — and recorded on the wire."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlsplit

import pytest

import tokenlab
from tokenlab.net.messages import basic_authorization
from tokenlab.serving import Serving


def _conn(base: str) -> http.client.HTTPConnection:
    parts = urlsplit(base)
    assert parts.hostname is not None and parts.port is not None
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)


def _call(base: str, method: str, path: str, body: bytes | None = None,
          headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = _conn(base)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def _token(s: Serving, scope: str = "weather:read") -> str:
    status, _, body = _call(s.issuer, "POST", "/token",
                            urlencode({"grant_type": "client_credentials", "scope": scope}).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded",
                             "Authorization": basic_authorization(s.client_id, s.client_secret)})
    assert status == 200, body
    return str(json.loads(body)["access_token"])


def test_rfc8414_3_discovery_on_the_issuer_port_names_the_token_endpoint(server: Serving) -> None:
    status, headers, body = _call(server.issuer, "GET", "/.well-known/oauth-authorization-server")
    assert status == 200 and headers["content-type"].startswith("application/json")
    meta = json.loads(body)
    assert meta["issuer"] == server.issuer
    assert meta["token_endpoint"] == server.issuer + "/token"
    assert server.issuer.startswith("http://127.0.0.1:") and server.api.startswith("http://127.0.0.1:")
    assert urlsplit(server.issuer).port != urlsplit(server.api).port


def test_the_servers_are_the_very_objects_handle_is_called_on(server: Serving) -> None:
    assert isinstance(server.auth, tokenlab.AuthServer)
    assert isinstance(server.resource_server, tokenlab.ResourceServer)
    assert server.resource_server.auth is server.auth
    assert server.resource_server.audience == server.api
    assert server.ca_cert is None


def test_real_traffic_is_recorded_on_the_wire(server: Serving) -> None:
    before = len(server.auth.wire)
    token = _token(server)
    status, _, body = _call(server.api, "GET", "/weather", headers={"Authorization": f"Bearer {token}"})
    assert status == 200, body
    events = server.auth.wire.events[before:]
    assert [(e.receiver, e.method, e.path, e.status) for e in events] == [
        ("auth server", "POST", "/token", 200), ("api", "GET", "/weather", 200)]
    assert events[1].headers["Authorization"] == f"Bearer {token}"
    assert events[0].url == server.issuer + "/token"


def test_rfc6749_3_2_a_json_body_is_refused_as_the_simulated_server_refuses_it(server: Serving) -> None:
    status, _, body = _call(server.issuer, "POST", "/token",
                            json.dumps({"grant_type": "client_credentials"}).encode(),
                            {"Content-Type": "application/json"})
    assert status == 400
    answer = json.loads(body)
    assert answer["error"] == "invalid_request"
    assert "x-www-form-urlencoded" in answer["error_description"]


def test_a_form_body_that_is_not_utf8_is_a_400_naming_the_field(server: Serving) -> None:
    status, _, body = _call(server.issuer, "POST", "/token", b"grant_type=client_credentials&scope=%FF",
                            {"Content-Type": "application/x-www-form-urlencoded",
                             "Authorization": basic_authorization(server.client_id, server.client_secret)})
    assert status == 400
    assert "'scope'" in json.loads(body)["error_description"]


def test_rfc6749_3_1_a_repeated_form_field_reaches_the_server_as_repeated(server: Serving) -> None:
    status, _, body = _call(server.issuer, "POST", "/token",
                            b"grant_type=client_credentials&scope=a&scope=b",
                            {"Content-Type": "application/x-www-form-urlencoded",
                             "Authorization": basic_authorization(server.client_id, server.client_secret)})
    assert status == 400 and "sent 2 times" in json.loads(body)["error_description"]


def test_unknown_path_is_the_servers_404_and_a_wrong_method_its_405(server: Serving) -> None:
    assert _call(server.issuer, "GET", "/nope")[0] == 404
    status, headers, _ = _call(server.issuer, "GET", "/token")
    assert status == 405 and headers["allow"] == "POST"


def test_rfc9110_keep_alive_serves_several_requests_on_one_connection(server: Serving) -> None:
    conn = _conn(server.issuer)
    try:
        for _ in range(3):
            conn.request("GET", "/jwks.json")
            r = conn.getresponse()
            assert r.status == 200 and json.loads(r.read())["keys"]
    finally:
        conn.close()


def test_a_request_line_that_is_not_http_gets_a_400_and_the_server_lives_on(server: Serving) -> None:
    parts = urlsplit(server.issuer)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 400")
    assert _call(server.issuer, "GET", "/jwks.json")[0] == 200


def test_eight_threads_times_many_requests_are_all_answered(server: Serving) -> None:
    token = _token(server)
    per_thread = 40

    def worker(i: int) -> list[int]:
        statuses = []
        conn = _conn(server.api)
        try:
            for _ in range(per_thread):
                conn.request("GET", "/weather", headers={"Authorization": f"Bearer {token}"})
                r = conn.getresponse()
                r.read()
                statuses.append(r.status)
        finally:
            conn.close()
        return statuses

    with ThreadPoolExecutor(8) as pool:
        results = [s for batch in pool.map(worker, range(8)) for s in batch]
    assert results == [200] * (8 * per_thread)


def test_close_stops_both_listeners_and_their_threads() -> None:
    s = tokenlab.serve()
    ports = [urlsplit(u).port for u in (s.issuer, s.api)]
    mine = [f"tokenlab-serve {kind} :{port}" for kind, port in zip(("auth", "api"), ports, strict=True)]
    assert set(mine) <= {t.name for t in threading.enumerate()}
    s.close()
    for port in ports:
        assert port is not None
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert not set(mine) & {t.name for t in threading.enumerate()}
    s.close()  # twice is harmless


def test_seed_makes_the_demo_client_reproducible_and_says_demo_only() -> None:
    with tokenlab.serve(seed=7) as a, tokenlab.serve(seed=7) as b:
        assert (a.client_id, a.client_secret) == (b.client_id, b.client_secret)
        assert a.info()["demo_only"] is True
        assert a.info()["username"] == b.info()["username"]
    with tokenlab.serve() as c:
        assert c.client_secret != a.client_secret


@pytest.mark.parametrize("bad", [{"port": -1}, {"port": "80"}, {"store": "postgres://x"}])
def test_bad_arguments_are_refused_with_a_message(bad: dict[str, object]) -> None:
    with pytest.raises((TypeError, ValueError)):
        tokenlab.serve(**bad)  # type: ignore[arg-type]


def test_a_running_server_keeps_only_the_latest_exchanges_on_its_wire() -> None:
    """Hours of traffic must not grow the process without bound: the wire holds the latest
    WIRE_KEEP exchanges and counts the rest."""
    from tokenlab.serving.running import WIRE_KEEP

    with tokenlab.serve(seed=1) as s:
        assert s.auth.wire.keep == WIRE_KEEP and s.resource_server.wire is s.auth.wire
