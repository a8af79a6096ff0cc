"""``store="sqlite:PATH"`` / ``--store sqlite:PATH``: a restarted server on the same ports keeps
its revocations and its signing keys (RFC 7009 §2: a revoked token stays revoked)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import requests

import tokenlab
from tokenlab.serving import Serving


def _token(s: Serving) -> str:
    r = requests.post(s.issuer + "/token", auth=(s.client_id, s.client_secret), timeout=10,
                      data={"grant_type": "client_credentials", "scope": "weather:read"})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def _weather(api: str, token: str) -> int:
    return requests.get(api + "/weather", headers={"Authorization": f"Bearer {token}"},
                        timeout=10).status_code


def test_rfc7009_2_a_revocation_and_the_keys_survive_a_restart_with_sqlite(tmp_path: Path) -> None:
    store = f"sqlite:{tmp_path / 'tokenlab.db'}"
    with tokenlab.serve(store=store) as first:  # no seed: the keys are random, so only the store keeps them
        ports = {"port": urlsplit(first.issuer).port, "api_port": urlsplit(first.api).port}
        kept, revoked = _token(first), _token(first)
        r = requests.post(first.issuer + "/revoke", auth=(first.client_id, first.client_secret),
                          data={"token": revoked}, timeout=10)
        assert r.status_code == 200
        assert (_weather(first.api, kept), _weather(first.api, revoked)) == (200, 401)
    assert (tmp_path / "tokenlab.db").exists()
    with tokenlab.serve(store=store, **ports) as second:  # type: ignore[arg-type]
        assert second.issuer == first.issuer
        assert (_weather(second.api, kept), _weather(second.api, revoked)) == (200, 401)
    with tokenlab.serve(**ports) as forgetful:  # type: ignore[arg-type]  # memory: notebook 06's lesson
        assert _weather(forgetful.api, kept) == 401  # new random keys: the old token is unknown
