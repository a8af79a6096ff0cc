"""FlowWalker: step through a flow — who acts, the HTTP message, what was checked, the outcome,
and the sequence diagram so far."""

from __future__ import annotations

import weakref

import ipywidgets as widgets

from ..net.wire import Event
from ..scenarios import Flow, FlowRun, Step, World
from . import idle
from .common import RUN_HINT, View, badge, escape, guarded, paragraphs
from .messages import step_html

__all__ = ["READY", "FlowWalker"]

#: The CSS class a walker gets once every picture of its walk is drawn.
READY = "tokenlab-pictures-ready"


class FlowWalker(View):
    """Walk ``flow`` with **Next**, **Back** and **Reset**.

    Each step shows its actor, the HTTP message with the token marked (header or query), what
    was checked with ✔/✘ and why, the outcome, and the sequence diagram up to that step (drawn
    by :func:`tokenlab.viz.sequence_diagram` on the canvas of the whole flow, so it does not
    jump). The clock never runs backwards: every move rebuilds the seeded world and replays the
    steps up to the one shown, so **Back** shows exactly what was there before.

    Each picture is drawn once: a flow is seeded, so the picture after ``k`` messages is always
    the same. In a kernel the walker draws the pictures of the other steps ahead, while the
    kernel is idle (:mod:`tokenlab.widgets.idle`), so **Next** and **Back** only show what is
    ready; :meth:`draw_all` draws them at once.

    Drive it from Python as a learner would: ``walker.next_button.click()``, or ``walker.next()``,
    ``walker.back()``, ``walker.reset()``, ``walker.go_to(3)``. ``walker.step`` is the step
    shown (0 before the first), ``walker.text`` its plain-text summary, ``walker.html`` the HTML
    shown. ``diagrams=False`` leaves the picture out (faster).
    """

    def __init__(self, flow: Flow, *, diagrams: bool = True) -> None:
        if not isinstance(flow, Flow):
            raise TypeError(f"FlowWalker walks a Flow such as tokenlab.scenarios.CLIENT_CREDENTIALS, "
                            f"not {type(flow).__name__}")
        self.flow = flow
        self.diagrams = diagrams
        self._trace: tuple[Event, ...] | None = None
        #: How many events the whole flow has on the wire after each step (0 before the first).
        self._shown: tuple[int, ...] = ()
        #: The pictures drawn so far, by how many events they show.
        self._pngs: dict[int, bytes] = {}
        self.back_button = widgets.Button(description="Back", icon="arrow-left",
                                          tooltip="Rebuild the story up to the previous step")
        self.next_button = widgets.Button(description="Next", icon="arrow-right",
                                          button_style="primary", tooltip="Run the next step")
        self.reset_button = widgets.Button(description="Reset", icon="refresh",
                                           tooltip="Back to the start")
        self.counter = widgets.HTML()
        self.body = widgets.HTML()
        self.diagram = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        if not diagrams:
            self.diagram.layout.display = "none"
        heading = widgets.HTML(f"<h3 style=\"margin:4px 0\">{escape(flow.title)}</h3>")
        controls = widgets.HBox([self.back_button, self.next_button, self.reset_button,
                                 self.counter])
        super().__init__([heading, controls, self.body, self.diagram])
        self.back_button.on_click(self._on_back)
        self.next_button.on_click(self._on_next)
        self.reset_button.on_click(self._on_reset)
        self._run: FlowRun = flow.run(0)
        self._text = ""
        self._show(self._run)
        if not diagrams:
            self._ready()
        if diagrams:
            me = weakref.ref(self)
            idle.when_idle(lambda: (walker := me()) is not None and walker._draw_ahead())

    # -- what is shown -----------------------------------------------------------------------------

    @property
    def step(self) -> int:
        """The step shown: 0 before the first, ``len(flow)`` at the end."""
        return self._run.position

    @property
    def current(self) -> Step | None:
        return self._run.last

    @property
    def world(self) -> World:
        """The world as it is after the step shown (rebuilt on every move)."""
        return self._run.world

    @property
    def text(self) -> str:
        """The current step's plain-text summary (what the HTML says, for tests and readers)."""
        return self._text

    @property
    def html(self) -> str:
        return str(self.body.value)

    # -- moving ----------------------------------------------------------------------------------

    @guarded("Next")
    def next(self) -> None:
        if not self._run.done:
            self._go(self._run.position + 1)

    @guarded("Back")
    def back(self) -> None:
        if self._run.position > 0:
            self._go(self._run.position - 1)

    @guarded("Reset")
    def reset(self) -> None:
        self._go(0)

    @guarded("Go to step")
    def go_to(self, step: int) -> None:
        self._go(step)

    def _on_next(self, _: widgets.Button) -> None:
        self.next()

    def _on_back(self, _: widgets.Button) -> None:
        self.back()

    def _on_reset(self, _: widgets.Button) -> None:
        self.reset()

    def _go(self, n: int) -> None:
        """Rebuild the world up to step ``n`` and show it; nothing changes if anything fails."""
        run = self.flow.run(n)
        self._show(run)

    def _show(self, run: FlowRun) -> None:
        total = len(self.flow)
        step = run.last
        if step is None:
            body = (f"<div><b>Step 0 of {total}</b></div>{paragraphs(self.flow.intro)}"
                    f"<p>{total} steps: press <b>Next</b> to start.</p>")
            text = f"{self.flow.intro}\n\n{total} steps: press Next to start."
        else:
            body, text = step_html(step, total), step.text()
        png = self._diagram(run)  # the slow part, and the last that can fail: before any change
        self._run = run
        self._text = f"{self.flow.name}: step {run.position} of {total}\n\n{text}"
        if png is not None:
            # one message: the picture and the class that says which step it shows
            with self.diagram.hold_sync():
                self.diagram.value = png
                self.diagram._dom_classes = (f"tokenlab-diagram-step-{run.position}",)
        self.body.value = body
        self.counter.value = (f"&nbsp;Step {run.position} of {total}"
                              + (f" &nbsp;{badge('the end')}" if run.done else ""))
        self.back_button.disabled = run.position == 0
        self.next_button.disabled = run.done

    def _diagram(self, run: FlowRun) -> bytes | None:
        """The sequence diagram up to ``run``'s step, as PNG, drawn on the canvas of the whole
        flow; drawn once per number of events shown (the flow is seeded: always the same)."""
        if not self.diagrams:
            return None
        events = run.events
        trace = self._whole_trace()
        if trace[:len(events)] != events:  # a flow that is not deterministic: no fixed canvas
            return self._draw(events, len(events))
        return self._picture(len(events))

    def _picture(self, shown: int) -> bytes:
        """The picture of the first ``shown`` events of the whole flow, drawn if not yet."""
        if shown not in self._pngs:
            self._pngs[shown] = self._draw(self._whole_trace(), shown)
            if not self._missing():
                self._ready()
        return self._pngs[shown]

    def _ready(self) -> None:
        """Say on the page that every click will find its picture drawn (the class
        :data:`READY`): something to wait for, instead of a pause."""
        self.add_class(READY)

    def _draw(self, trace: tuple[Event, ...], shown: int) -> bytes:
        from ..viz import sequence_diagram, to_png  # matplotlib: only when a picture is drawn

        return to_png(sequence_diagram(trace, upto=shown, title=self.flow.name))

    def _missing(self) -> list[int]:
        """The pictures of the whole flow not drawn yet, those of the next steps first, then
        those of the steps before (numbers of events shown)."""
        self._whole_trace()
        here = self._run.position
        order = [*self._shown[here + 1:], *reversed(self._shown[:here])]
        return [n for n in dict.fromkeys(order) if n not in self._pngs]

    def _draw_ahead(self) -> bool:
        """Draw one picture not drawn yet; whether any is still missing."""
        missing = self._missing()
        if missing:
            self._picture(missing[0])
        return len(missing) > 1

    def draw_all(self) -> int:
        """Draw every picture of the walk not drawn yet, now; returns how many were drawn."""
        missing = self._missing() if self.diagrams else []
        for shown in missing:
            self._picture(shown)
        return len(missing)

    def _whole_trace(self) -> tuple[Event, ...]:
        """Every event of the whole flow, so the diagram's canvas (its actors, its height) is
        fixed from step 0 on. A flow that fails before its end gets the canvas of the steps
        shown; its failure is reported when the learner reaches that step."""
        if self._trace is None:
            try:
                whole = self.flow.run()
            except Exception:
                self._trace = ()
            else:
                self._trace = whole.events
                counts = [0]
                for step in whole.steps:
                    counts.append(counts[-1] + len(step.events))
                self._shown = tuple(counts)
        return self._trace

    def __repr__(self) -> str:
        return f"FlowWalker({self.flow.name}: step {self.step} of {len(self.flow)})" + RUN_HINT
