"""The public face promised to notebooks and outside checks, exactly as written in issue #2."""

from __future__ import annotations

import pytest


def test_public_face_as_written() -> None:
    from tokenlab import AuthServer, ResourceServer, SimClock, SystemClock, TokenError

    assert SystemClock().time() > 0
    clock = SimClock()
    auth = AuthServer(issuer="https://auth.example", clock=clock, seed=1)
    app = auth.register_client("weather-app", scopes=["weather:read", "weather:write"])
    assert app.client_id and app.client_secret
    api = ResourceServer(audience="https://api.example", auth=auth)
    t = auth.client_credentials(app.client_id, app.client_secret, scope="weather:read",
                                resource="https://api.example")
    assert (t.token_type, t.expires_in, t.scope, t.refresh_token) == (
        "Bearer", 300, "weather:read", None)
    claims = api.verify(t.access_token)
    assert claims["scope"] == "weather:read"

    from tokenlab import ExpiredTokenError, InsufficientScopeError, InvalidSignatureError

    with pytest.raises(InsufficientScopeError):
        api.verify(t.access_token, scope="weather:write")
    clock.advance(300)
    with pytest.raises(ExpiredTokenError):
        api.verify(t.access_token)
    for cls in (ExpiredTokenError, InvalidSignatureError, InsufficientScopeError):
        assert issubclass(cls, TokenError)


def test_defaults() -> None:
    from tokenlab import AuthServer

    auth = AuthServer(issuer="https://auth.example")
    assert auth.keys.current.algorithm == "EdDSA" and auth.access_ttl == 300


def test_core_imports_nothing_heavy() -> None:
    import subprocess
    import sys

    code = ("import sys, tokenlab; heavy = [m for m in ('ipywidgets', 'IPython', 'matplotlib', "
            "'numpy') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
