"""Pictures drawn from a recorded trace: checked against the trace, not against themselves."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest
from matplotlib.artist import Artist
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Rectangle
from matplotlib.path import Path
from matplotlib.text import Text

from tokenlab import AuthServer, Client, Event, Request, ResourceServer, Response, SimClock, Wire
from tokenlab.clock import format_time
from tokenlab.jose.tokens import shorten
from tokenlab.net.messages import basic_authorization
from tokenlab.viz import (
    Mark,
    diagram_elements,
    lifetime_timeline,
    sequence_diagram,
    timeline_elements,
    to_png,
)
from tokenlab.viz.timeline import ACCESS, EXPIRY, REFRESH, REFRESH_TOKEN, REVOCATION, USE

from ..conftest import API, ISSUER, PASSWORD

CALLBACK = "https://app.example/callback"
WARNING = to_rgba("#D55E00")
A = TypeVar("A", bound=Artist)


@dataclass
class Trace:
    events: tuple[Event, ...]
    secrets: tuple[str, ...]  # client secrets and the password: must never be drawn
    tokens: tuple[str, ...]  # every token, code and verifier that travelled: never drawn whole
    end: float


@pytest.fixture(scope="module")
def trace() -> Trace:
    """Alice logs in (code flow), calls, expires, refreshes, is refused a write, logs out; an
    attacker replays her revoked token; a reporter app sends its token in the URL query."""
    clock = SimClock()
    auth = AuthServer(issuer=ISSUER, clock=clock, seed=7)
    api = ResourceServer(audience=API, auth=auth)
    auth.register_user("alice", PASSWORD)
    web = auth.register_client("weather-app", ["weather:read"], redirect_uris=[CALLBACK])
    app = Client(auth, web, api, grant="authorization_code", scope="weather:read")
    assert app.login("alice", PASSWORD), app.last_error
    assert app.get("/weather").status == 200
    clock.advance(auth.access_ttl + 1)
    assert app.get("/weather").status == 200  # refreshed first
    clock.advance(40)
    assert app.post("/weather", {"temp": "21"}).status == 403
    leaked = app.access_token
    clock.advance(20)
    assert app.logout()
    clock.advance(15)
    assert api.handle(Request.get(f"{API}/weather", {"Authorization": f"Bearer {leaked}"}),
                      sender="attacker").status == 401
    reg = auth.register_client("reporter", ["weather:read"])
    reporter = Client(auth, reg, api, token_in="query", scope="weather:read")
    clock.advance(10)
    assert reporter.get("/weather").status == 200
    assert reporter.post("/weather", {"temp": "3"}).status == 403
    events = auth.wire.events
    tokens: list[str] = []
    for e in events:
        body = e.response_body if isinstance(e.response_body, dict) else {}
        tokens += [body[k] for k in ("access_token", "refresh_token") if k in body]
        location = dict(e.response_headers).get("Location", "")
        tokens += [v for k, v in parse_qsl(urlsplit(location).query) if k == "code"]
        tokens += [v for k, v in (e.body or {}).items() if k == "code_verifier"]
    assert len(tokens) >= 7  # 3 access, 2 refresh, a code and its verifier
    assert web.client_secret and reg.client_secret
    return Trace(events, (PASSWORD, web.client_secret, reg.client_secret), tuple(tokens),
                 clock.time())


@pytest.fixture
def figures() -> Iterator[list[Figure]]:
    made: list[Figure] = []
    yield made
    for fig in made:
        fig.clear()


def drawn(fig: Figure, made: list[Figure]) -> Figure:
    made.append(fig)
    return fig


def all_text(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def by_gid(fig: Figure, kind: type[A], prefix: str) -> dict[str, A]:
    """The artists of ``kind`` whose gid starts with ``prefix``, by gid."""
    found: dict[str, A] = {}
    for artist in fig.findobj(kind):
        gid = artist.get_gid()
        if isinstance(artist, kind) and isinstance(gid, str) and gid.startswith(prefix):
            found[gid] = artist
    return found


def form(e: Event, name: str) -> str:
    value = (e.body or {})[name]
    assert isinstance(value, str)
    return value


def token_of(e: Event) -> tuple[str, str] | None:
    """The access token a request carries and where — read independently of tokenlab.viz."""
    header = dict(e.headers).get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:], "header"
    query = dict(parse_qsl(urlsplit(e.url).query))
    return (query["access_token"], "query") if "access_token" in query else None


# -- the sequence diagram ------------------------------------------------------------------------


def test_model_has_one_request_and_one_response_per_event(trace: Trace) -> None:
    model = diagram_elements(trace.events)
    assert len(model.requests) == len(model.responses) == len(trace.events) == model.total
    first_seen = list(dict.fromkeys(n for e in trace.events for n in (e.sender, e.receiver)))
    assert list(model.actors) == first_seen
    assert {"browser", "weather-app", "auth server", "api", "attacker", "reporter"} == set(first_seen)
    for e, x in zip(trace.events, model.exchanges, strict=True):
        assert (x.request.sender, x.request.receiver) == (e.sender, e.receiver)
        assert (x.response.sender, x.response.receiver) == (e.receiver, e.sender)
        assert x.request.label == f"{e.method} {e.path}"
        assert x.response.failed is (e.status >= 400)
        assert str(e.status) in x.response.label
        assert x.clock == format_time(e.time)[11:19]


def test_figure_draws_every_arrow_between_the_right_lifelines(trace: Trace,
                                                              figures: list[Figure]) -> None:
    fig = drawn(sequence_diagram(trace.events), figures)
    model = diagram_elements(trace.events)
    arrows = by_gid(fig, FancyArrowPatch, "re")
    requests = {g for g in arrows if g.startswith("request:")}
    responses = {g for g in arrows if g.startswith("response:")}
    assert len(requests) == len(responses) == len(trace.events)
    lifelines = {g.split(":", 1)[1]: float(line.get_xdata()[0])  # type: ignore[index]
                 for g, line in by_gid(fig, Line2D, "lifeline:").items()}
    assert set(lifelines) == set(model.actors)
    for arrow in model.arrows:
        patch = arrows[f"{arrow.kind}:{arrow.number}"]
        assert isinstance(patch, FancyArrowPatch)
        path = patch.get_path()
        points = [v for v, code in zip(path.vertices, path.codes, strict=True)
                  if code != Path.CLOSEPOLY]
        start = points[0][0]
        tip = max(points, key=lambda p: abs(p[0] - start))[0]
        assert start == pytest.approx(lifelines[arrow.sender])
        assert tip == pytest.approx(lifelines[arrow.receiver], abs=0.02)
        assert (patch.get_linestyle() == "-") is (arrow.kind == "request")  # responses dashed
    labels = {g: t.get_text() for g, t in by_gid(fig, Text, "re").items()}
    for e, x in zip(trace.events, model.exchanges, strict=True):
        assert e.method in labels[f"request:{x.number}:label"]
        assert e.path in labels[f"request:{x.number}:label"]
        assert labels[f"response:{x.number}:label"] == x.response.label
    times = [t.get_text() for t in by_gid(fig, Text, "time:").values()]
    assert times == [format_time(e.time)[11:19] for e in trace.events]
    assert "00:05:01" in times  # the refresh, after the clock moved past expiry


def test_failures_are_flagged_in_the_warning_colour(trace: Trace, figures: list[Figure]) -> None:
    failed = {n for n, e in enumerate(trace.events, 1) if e.status >= 400}
    assert {e.status for e in trace.events if e.status >= 400} == {401, 403}
    fig = drawn(sequence_diagram(trace.events), figures)
    arrows = by_gid(fig, FancyArrowPatch, "re")
    warned = {g for g, p in arrows.items() if to_rgba(p.get_edgecolor()) == WARNING}
    assert warned == {f"response:{n}" for n in failed}  # never a request arrow
    signed = {int(g.split(":")[1]) for g, t in by_gid(fig, Text, "response:").items()
              if g.endswith(":label") and t.get_text().startswith("⚠")
              and to_rgba(t.get_color()) == WARNING}
    assert signed == failed


def test_upto_draws_only_the_first_steps_on_the_same_canvas(trace: Trace,
                                                            figures: list[Figure]) -> None:
    full = drawn(sequence_diagram(trace.events), figures)
    for k in (0, 5, len(trace.events) + 3):
        fig = drawn(sequence_diagram(trace.events, upto=k), figures)
        shown = min(k, len(trace.events))
        gids = by_gid(fig, FancyArrowPatch, "re")
        assert sorted(gids) == sorted([f"request:{n}" for n in range(1, shown + 1)]
                                      + [f"response:{n}" for n in range(1, shown + 1)])
        assert tuple(fig.get_size_inches()) == tuple(full.get_size_inches())
        assert len(diagram_elements(trace.events, upto=k).exchanges) == shown
    with pytest.raises(ValueError, match="upto"):
        diagram_elements(trace.events, upto=-1)


def test_height_grows_with_the_trace(trace: Trace, figures: list[Figure]) -> None:
    short = drawn(sequence_diagram(trace.events[:3]), figures)
    long = drawn(sequence_diagram(trace.events), figures)
    assert long.get_size_inches()[1] > short.get_size_inches()[1] + len(trace.events) - 3


def test_no_secret_or_whole_token_is_drawn(trace: Trace, figures: list[Figure]) -> None:
    texts = all_text(drawn(sequence_diagram(trace.events), figures))
    texts += all_text(drawn(lifetime_timeline(trace.events, now=trace.end), figures))
    joined = "\n".join(texts)
    for secret in trace.secrets + trace.tokens:
        assert secret not in joined
        assert secret.replace(" ", "+") not in joined
    used = [t for e in trace.events if (t := token_of(e))]
    assert used and all(shorten(token) in joined for token, _ in used)  # shown, but shortened
    # The check can fail: asked for whole tokens, the diagram shows them — yet never a secret.
    whole = "\n".join(all_text(drawn(sequence_diagram(trace.events, shorten=False), figures)))
    assert all(token.replace("\n", "") in whole.replace("\n", "") for token, _ in used)
    assert not any(secret in whole for secret in trace.secrets)


def test_token_in_query_is_marked_query(trace: Trace) -> None:
    model = diagram_elements(trace.events)
    for e, x in zip(trace.events, model.exchanges, strict=True):
        carried = token_of(e)
        if carried is None:
            assert x.request.token_in is None
            continue
        token, where = carried
        assert x.request.token_in == where
        assert shorten(token) in x.request.detail[0]
        assert ("URL query" in x.request.detail[0]) is (where == "query")
        assert ("in header" in x.request.detail[0]) is (where == "header")
    assert {x.request.token_in for x in model.exchanges} == {None, "header", "query"}


def test_actors_may_be_ordered_and_none_is_lost(trace: Trace) -> None:
    model = diagram_elements(trace.events, actors=["api", "browser"])
    assert model.actors[:2] == ("api", "browser")
    assert len(model.actors) == 6 and len(set(model.actors)) == 6


def test_labels_do_not_overlap(trace: Trace, figures: list[Figure]) -> None:
    for fig in (drawn(sequence_diagram(trace.events, title="A day on the wire"), figures),
                drawn(sequence_diagram(trace.events[:4]), figures),
                drawn(lifetime_timeline(trace.events, now=trace.end), figures)):
        fig.canvas.draw()  # lays out the axis labels and the legend
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in fig.findobj(Text)
                 if t.get_text() and t.get_visible()]
        assert len(boxes) > 10
        width, height = fig.get_size_inches() * fig.dpi
        for i, (text, box) in enumerate(boxes):
            assert box.x0 >= -1 and box.x1 <= width + 1 and box.y0 >= -1, text
            assert box.y1 <= height + 1, text
            for other, box2 in boxes[i + 1:]:
                assert not box.overlaps(box2), (text, other)


def test_an_empty_trace_still_draws(figures: list[Figure]) -> None:
    fig = drawn(sequence_diagram([]), figures)
    assert "(nothing on the wire yet)" in all_text(fig)
    assert diagram_elements([]).actors == ()
    with pytest.raises(TypeError):
        diagram_elements(["GET /weather"])  # type: ignore[list-item]


# -- the timeline --------------------------------------------------------------------------------


def issued(trace: Trace) -> list[tuple[int, Event, dict[str, object]]]:
    """Successful token responses: (number, event, body)."""
    return [(n, e, e.response_body) for n, e in enumerate(trace.events, 1)
            if e.status == 200 and isinstance(e.response_body, dict)
            and "access_token" in e.response_body]


def test_one_bar_per_issued_access_token(trace: Trace) -> None:
    model = timeline_elements(trace.events)
    responses = issued(trace)
    assert len(responses) == 3  # login, refresh, reporter
    access = [b for b in model.bars if b.kind == ACCESS and b.event is not None]
    assert [b.event for b in access] == [n for n, _, _ in responses]
    for bar, (_, e, body) in zip(access, responses, strict=True):
        token = body["access_token"]
        assert isinstance(token, str) and bar.label == shorten(token)
        claims = jwt.decode(token, options={"verify_signature": False})
        assert bar.issued == claims["iat"] == int(e.time)
        expires_in = body["expires_in"]
        assert isinstance(expires_in, int)
        assert bar.expires == claims["exp"] == int(e.time) + expires_in
        assert model.marks_of(EXPIRY, model.bars.index(bar))[0].time == bar.expires
    assert sum(b.kind == REFRESH_TOKEN for b in model.bars) == sum(
        "refresh_token" in body for _, _, body in responses)


def test_uses_refresh_and_revocation_are_where_the_trace_puts_them(trace: Trace) -> None:
    model = timeline_elements(trace.events)
    rows = {b.label: i for i, b in enumerate(model.bars)}
    for i, bar in enumerate(model.bars):  # every use counted, on its own token's bar
        uses = [e for e in trace.events if (c := token_of(e)) and shorten(c[0]) == bar.label]
        marks = model.marks_of(USE, i)
        assert [m.time for m in marks] == [e.time for e in uses]
        assert [m.failed for m in marks] == [e.status >= 400 for e in uses]
    assert len(model.marks_of(USE)) == sum(token_of(e) is not None for e in trace.events) == 6

    refreshes = [(n, e) for n, e in enumerate(trace.events, 1)
                 if (e.body or {}).get("grant_type") == "refresh_token"]
    assert len(refreshes) == 1
    n, e = refreshes[0]
    old = rows[str(shorten(form(e, "refresh_token")))]
    (mark,) = model.marks_of(REFRESH)
    assert (mark.time, mark.bar, mark.event, mark.failed) == (e.time, old, n, False)
    assert model.bars[old].spent == e.time
    new = [b for b in model.bars if b.event == n]
    assert {b.kind for b in new} == {ACCESS, REFRESH_TOKEN} and all(b.parent == old for b in new)

    revokes = [e for e in trace.events if e.path == "/revoke"]
    assert len(revokes) == 2
    marks = model.marks_of(REVOCATION)
    assert sorted((m.time, m.bar) for m in marks) == sorted(
        (e.time, rows[str(shorten(form(e, "token")))]) for e in revokes)
    for e in revokes:
        assert model.bars[rows[str(shorten(form(e, "token")))]].revoked == e.time
    attacker = next(e for e in trace.events if e.sender == "attacker")
    (replay,) = [m for m in model.marks_of(USE) if m.time == attacker.time and m.failed
                 and m.event == trace.events.index(attacker) + 1]
    assert replay.bar is not None
    revoked = model.bars[replay.bar].revoked
    assert revoked is not None and revoked < replay.time


def test_timeline_figure_matches_its_model(trace: Trace, figures: list[Figure]) -> None:
    model = timeline_elements(trace.events, marks=[Mark(trace.end - 30, "token leaks")])
    fig = drawn(lifetime_timeline(trace.events, marks=[Mark(trace.end - 30, "token leaks")],
                                  now=trace.end), figures)
    bars = by_gid(fig, Rectangle, "bar:")
    assert len(bars) == len(model.bars)
    for i, b in enumerate(model.bars):
        rect = bars[f"bar:{i}"]
        assert rect.get_x() == b.issued
        end = rect.get_x() + rect.get_width()
        assert end == pytest.approx(b.ended if b.ended is not None else (b.expires or end))
    assert len(by_gid(fig, Rectangle, "dead:")) == sum(
        b.ended is not None and (b.expires is None or b.ended < b.expires) for b in model.bars)
    for kind in (USE, REFRESH, REVOCATION, EXPIRY):
        lines = by_gid(fig, Line2D, f"{kind}:")
        drawn_at = sorted((float(line.get_xdata()[0]), int(g.split(":")[1]))  # type: ignore[index]
                          for g, line in lines.items())
        assert drawn_at == sorted((m.time, m.bar) for m in model.marks_of(kind)), kind
    refused = [line for line in by_gid(fig, Line2D, f"{USE}:").values()
               if to_rgba(line.get_color()) == WARNING]
    assert len(refused) == sum(m.failed for m in model.marks_of(USE)) == 3
    assert "token leaks" in all_text(fig) and "now" in all_text(fig)
    assert by_gid(fig, Line2D, "now") and by_gid(fig, Line2D, "mark:token leaks")


def test_png_has_a_fixed_size_and_no_pyplot(trace: Trace, figures: list[Figure]) -> None:
    fig = drawn(sequence_diagram(trace.events[:4]), figures)
    png = to_png(fig, dpi=50)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == tuple(round(v * 50) for v in fig.get_size_inches())
    assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"  # type: ignore[attr-defined]


def test_core_does_not_import_matplotlib_and_viz_not_pyplot() -> None:
    code = (
        "import sys, json, tokenlab\n"
        "core = 'matplotlib' in sys.modules\n"
        "from tokenlab import SimClock, AuthServer, ResourceServer, Client\n"
        "from tokenlab.viz import sequence_diagram, lifetime_timeline, to_png\n"
        "auth = AuthServer(issuer='https://auth.example', clock=SimClock(), seed=1)\n"
        "api = ResourceServer(audience='https://api.example', auth=auth)\n"
        "app = auth.register_client('weather-app', ['weather:read'])\n"
        "Client(auth, app, api).get('/weather')\n"
        "to_png(sequence_diagram(auth.wire)); to_png(lifetime_timeline(auth.wire))\n"
        "print(json.dumps([core, 'matplotlib.pyplot' in sys.modules]))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [False, False]


def test_reused_refresh_token_and_tokens_from_off_the_wire(figures: list[Figure]) -> None:
    clock = SimClock()
    auth = AuthServer(issuer=ISSUER, clock=clock, seed=3)
    api = ResourceServer(audience=API, auth=auth)
    auth.register_user("alice", PASSWORD)
    reg = auth.register_client("weather-app", ["weather:read"])
    app = Client(auth, reg, api, grant="password", scope="weather:read")
    assert app.login("alice", PASSWORD) and app.refresh_token
    first = app.refresh_token
    clock.advance(auth.access_ttl)
    assert app.get("/weather").status == 200 and app.refresh_token != first  # rotated
    assert reg.client_secret
    stolen = auth.handle(Request.post(f"{ISSUER}/token", {"grant_type": "refresh_token",
                                                         "refresh_token": first},
                                      {"Authorization": basic_authorization(
                                          reg.client_id, reg.client_secret)}), sender="attacker")
    assert stolen.status == 400  # reuse of a spent refresh token
    off_wire = auth.client_credentials(reg.client_id, reg.client_secret, scope="weather:read")
    clock.advance(5)
    for token in (off_wire.access_token, "not-a-jwt"):
        api.handle(Request.get(f"{API}/weather", {"Authorization": f"Bearer {token}"}),
                   sender="attacker")
    model = timeline_elements(auth.wire)
    rows = {b.label: i for i, b in enumerate(model.bars)}
    refreshes = model.marks_of(REFRESH, rows[str(shorten(first))])
    assert [(m.failed, m.event) for m in refreshes] == [
        (False, 2), (True, len(auth.wire) - 2)]
    seen = model.bars[rows[str(shorten(off_wire.access_token))]]
    claims = jwt.decode(off_wire.access_token, options={"verify_signature": False})
    assert (seen.event, seen.issued, seen.expires) == (None, claims["iat"], claims["exp"])
    garbage = model.bars[rows["not-a-jwt"]]
    assert garbage.expires is None and garbage.issued == clock.time()
    assert [m.failed for m in model.marks_of(USE, rows["not-a-jwt"])] == [True]
    texts = all_text(drawn(lifetime_timeline(auth.wire), figures))
    assert sum("not issued on this wire" in t for t in texts) == 2
    assert reg.client_secret not in "\n".join(texts) and PASSWORD not in "\n".join(texts)


def test_dollar_signs_are_text_not_mathtext(figures: list[Figure]) -> None:
    wire = Wire(SimClock())
    odd = r"$\nosuchcommand$"  # would make matplotlib's mathtext raise while drawing
    wire.record(Request.get(f"{API}/price/{odd}", {"Authorization": "Bearer abc"}), Response(200),
                sender=odd, receiver="api")
    for fig in (drawn(sequence_diagram(wire, title=odd), figures),
                drawn(lifetime_timeline(wire, title=odd, marks=[Mark(wire.clock.time(), odd)]), figures)):
        assert to_png(fig)[:4] == b"\x89PNG"
        assert any(odd in t for t in all_text(fig))
