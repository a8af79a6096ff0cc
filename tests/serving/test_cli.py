"""``tokenlab serve`` / ``python -m tokenlab serve`` as a learner meets it: one JSON line, a
banner, a free port with ``--port 0``, a clean stop on SIGTERM, a one-line error for a typo."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from .processes import ENTRY, SCRIPT, Running


@pytest.fixture
def running() -> Iterator[list[Running]]:
    made: list[Running] = []
    yield made
    for r in made:
        r.close()


def _start(running: list[Running], *args: str,
           argv: list[str] | None = None) -> tuple[Running, dict[str, object]]:
    r = Running([*(argv or ENTRY), "serve", *args])
    running.append(r)
    first = r.next_line()
    assert first is not None, r.proc.stderr.read() if r.proc.stderr else ""
    return r, json.loads(first)


def _closed(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return True
    return False


def test_the_first_line_is_json_with_the_demo_client_then_a_banner(running: list[Running]) -> None:
    r, info = _start(running, "--port", "0", "--seed", "1")
    assert {"issuer", "api", "client_id", "client_secret", "demo_only"} <= set(info)
    assert info["demo_only"] is True
    issuer, api = str(info["issuer"]), str(info["api"])
    assert issuer.startswith("http://127.0.0.1:") and api.startswith("http://127.0.0.1:")
    banner = [r.next_line() for _ in range(5)]
    assert any(line and "demo only" in line.lower() for line in banner), banner
    token = requests.post(issuer + "/token", auth=(str(info["client_id"]), str(info["client_secret"])),
                          data={"grant_type": "client_credentials", "scope": "weather:read"},
                          timeout=10).json()["access_token"]
    assert requests.get(api + "/weather", headers={"Authorization": f"Bearer {token}"}, timeout=10).ok
    assert r.stop() == 0


def test_port_0_picks_free_ports_and_sigterm_stops_cleanly(running: list[Running]) -> None:
    a, info_a = _start(running, "--port", "0")
    b, info_b = _start(running, "--port", "0")
    ports = {urlsplit(str(i[k])).port for i in (info_a, info_b) for k in ("issuer", "api")}
    assert len(ports) == 4 and 0 not in ports
    assert a.stop() == 0 and b.stop(signal.SIGINT) == 0  # SIGINT: what Ctrl-C sends
    assert all(_closed(p) for p in ports if p is not None)
    assert a.proc.stderr is not None and "Traceback" not in a.proc.stderr.read()


def test_the_console_script_runs_with_tls_and_prints_the_ca(running: list[Running]) -> None:
    assert SCRIPT.exists(), "pip install -e . creates the tokenlab console script"
    r, info = _start(running, "--tls", "--dpop-required", argv=[str(SCRIPT)])
    assert str(info["issuer"]).startswith("https://") and info["dpop_required"] is True
    ca = Path(str(info["ca_cert"]))
    assert ca.exists()
    assert requests.get(str(info["issuer"]) + "/jwks.json", verify=str(ca), timeout=10).ok
    assert r.stop() == 0
    assert not ca.exists()  # the run's CA is gone with it


@pytest.mark.parametrize(("args", "hint"), [
    (["--prot", "8000"], "--port"),
    (["--port", "eighty"], "--port"),
    (["--store", "memory.db"], "sqlite:"),
    (["--port", "70000"], "65535"),
])
def test_a_bad_option_gets_one_line_a_beginner_can_act_on(args: list[str], hint: str) -> None:
    out = subprocess.run([*ENTRY, "serve", *args], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and hint in lines[0] and "Traceback" not in out.stderr, out.stderr
    assert out.stdout == ""


def test_a_port_in_use_is_one_line_naming_the_port() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        out = subprocess.run([*ENTRY, "serve", "--port", str(port)], capture_output=True,
                             text=True, timeout=60)
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and str(port) in lines[0] and "--port 0" in lines[0], out.stderr


def test_python_m_tokenlab_without_a_command_says_what_to_type() -> None:
    out = subprocess.run(ENTRY, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "tokenlab serve" in out.stderr


def test_store_sqlite_path_is_used_and_said(running: list[Running], tmp_path: Path) -> None:
    db = tmp_path / "serve.db"
    r, info = _start(running, "--store", f"sqlite:{db}")
    assert info["store"] == f"sqlite:{db}" and db.exists()
    assert r.stop() == 0
