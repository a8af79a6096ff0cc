"""FlowWalker: step through a flow — who acts, the HTTP message, what was checked, the outcome,
and the sequence diagram so far."""

from __future__ import annotations

import ipywidgets as widgets

from ..net.wire import Event
from ..scenarios import Flow, FlowRun, Step, World
from .common import View, badge, escape, guarded, paragraphs
from .messages import step_html

__all__ = ["FlowWalker"]


class FlowWalker(View):
    """Walk ``flow`` with **Next**, **Back** and **Reset**.

    Each step shows its actor, the HTTP message with the token marked (header or query), what
    was checked with ✔/✘ and why, the outcome, and the sequence diagram up to that step (drawn
    by :func:`tokenlab.viz.sequence_diagram` on the canvas of the whole flow, so it does not
    jump). The clock never runs backwards: every move rebuilds the seeded world and replays the
    steps up to the one shown, so **Back** shows exactly what was there before.

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
        self.body.value = body
        self.counter.value = (f"&nbsp;Step {run.position} of {total}"
                              + (f" &nbsp;{badge('the end')}" if run.done else ""))
        if png is not None:
            self.diagram.value = png
        self.back_button.disabled = run.position == 0
        self.next_button.disabled = run.done

    def _diagram(self, run: FlowRun) -> bytes | None:
        """The sequence diagram up to ``run``'s step, as PNG; cached per step (it is always the
        same picture — the flow is seeded)."""
        if not self.diagrams:
            return None
        if run.position not in self._pngs:
            from ..viz import sequence_diagram, to_png  # matplotlib: only when a picture is drawn

            events = run.events
            trace = self._whole_trace()
            if trace[:len(events)] != events:  # a flow that is not deterministic: no fixed canvas
                trace = events
            figure = sequence_diagram(trace, upto=len(events), title=self.flow.name)
            self._pngs[run.position] = to_png(figure)
        return self._pngs[run.position]

    def _whole_trace(self) -> tuple[Event, ...]:
        """Every event of the whole flow, so the diagram's canvas (its actors, its height) is
        fixed from step 0 on. A flow that fails before its end gets the canvas of the steps
        shown; its failure is reported when the learner reaches that step."""
        if self._trace is None:
            try:
                self._trace = self.flow.run().events
            except Exception:
                self._trace = ()
        return self._trace

    def __repr__(self) -> str:
        return f"FlowWalker({self.flow.name}: step {self.step} of {len(self.flow)})"
