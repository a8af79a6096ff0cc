"""AttackLab: pick an attack and the defences (or the mistakes), run it, and see what happened —
the outcome, what stopped it or let it through, why, and the victim's and the attacker's requests
on one timeline. The engine is :mod:`tokenlab.scenarios.lab`; this view only collects the choice
and shows the :class:`~tokenlab.scenarios.lab.LabOutcome`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import ipywidgets as widgets

from ..scenarios.lab import (
    FAMILIES,
    LAB_ATTACKS,
    LabAttack,
    LabOutcome,
    at,
    lab_attack,
    run_attack,
)
from .common import BAD, GOOD, GREY, MONO, RUN_HINT, View, escape, guarded, table

__all__ = ["AttackLab"]

#: How the menu of a lab with every attack names each family.
_FAMILY_WORDS = {"theft": "theft", "replay": "replay", "forgery": "JWT attack"}

_LANES = (("victim", "Alice's side"), ("attacker", "the attacker"),
          ("servers", "API ↔ authorization server"))


class AttackLab(View):
    """``AttackLab("forgery")``: the attacks of one family (``"theft"``, ``"replay"``,
    ``"forgery"``; all of them without one).

    A theft or a replay takes exactly one defence (the radio buttons); a forgery takes any set
    of the API's ``insecure_*`` switches (the check boxes; none is the hardened default). Press
    **Run the attack**. Drive it from Python: ``lab.choose("alg none", ["insecure_accept_none"])``
    then ``lab.run()``, which returns the :class:`~tokenlab.scenarios.lab.LabOutcome` (also in
    ``lab.outcome``); ``lab.text`` is what the widget says, as plain text.
    """

    def __init__(self, family: str | None = None) -> None:
        if family is not None and family not in FAMILIES:
            raise ValueError(f"family must be one of {', '.join(FAMILIES)} (or None for every "
                             f"attack), not {family!r}")
        self.family = family
        attacks = [a for a in LAB_ATTACKS if family is None or a.family == family]
        self.outcome: LabOutcome | None = None
        self.attack_menu = widgets.Dropdown(
            options=[(a.name if family else f"{_FAMILY_WORDS[a.family]} · {a.name}", a.name)
                     for a in attacks],
            value=attacks[0].name, description="attack",
            style={"description_width": "70px"}, layout=widgets.Layout(width="520px"))
        self.summary = widgets.HTML()
        self.defence_buttons = widgets.RadioButtons(options=["—"], description="defence",
                                                    style={"description_width": "70px"})
        switches = next((a.settings for a in LAB_ATTACKS if a.several), ())
        self.switch_boxes = [widgets.Checkbox(value=False, description=s, indent=False,
                                              layout=widgets.Layout(width="300px"))
                             for s in switches]
        self.switches = widgets.VBox(
            [widgets.HTML("<i>The API's mistakes (none ticked: the hardened default):</i>"),
             widgets.GridBox(self.switch_boxes, layout=widgets.Layout(
                 grid_template_columns="repeat(2, 320px)"))])
        self.run_button = widgets.Button(description="Run the attack", button_style="danger")
        self.result = widgets.HTML()
        self._text = ""
        self._quiet = False
        self.run_button.on_click(lambda _: self.run())
        self.attack_menu.observe(self._on_attack, names="value")
        for control in (self.defence_buttons, *self.switch_boxes):
            control.observe(self._on_setting, names="value")
        # A lab of one family shows only the controls its attacks take.
        kinds = {a.several for a in attacks}
        controls = [*([self.defence_buttons] if False in kinds else []),
                    *([self.switches] if True in kinds else [])]
        super().__init__([self.attack_menu, self.summary, *controls, self.run_button,
                          self.result])
        self._show_attack(lab_attack(self.attack_menu.value))

    # -- choosing --------------------------------------------------------------------------------

    @property
    def attack(self) -> str:
        return str(self.attack_menu.value)

    @property
    def settings(self) -> tuple[str, ...]:
        """The defence or the switches chosen now."""
        if lab_attack(self.attack).several:
            return tuple(b.description for b in self.switch_boxes if b.value)
        return (str(self.defence_buttons.value),)

    @guarded("Choosing the attack")
    def choose(self, attack: str, settings: Iterable[str] | str | None = None) -> None:
        """Set the attack and its defence or switches (``None``: the attack's default). Nothing
        changes if the choice is not valid; the message says what is."""
        chosen = lab_attack(attack)
        names = [v for _, v in self.attack_menu.options]
        if chosen.name not in names:
            raise ValueError(f"this lab shows the {self.family} attacks: "
                             f"{', '.join(names)}")
        values = chosen.default if settings is None else chosen.check(settings)
        self._quiet = True
        try:
            self.attack_menu.value = chosen.name
        finally:
            self._quiet = False
        self._show_attack(chosen, values)

    def _on_attack(self, change: dict[str, Any]) -> None:
        if not self._quiet:
            self._show_attack(lab_attack(change["new"]))

    def _on_setting(self, _: dict[str, Any]) -> None:
        if not self._quiet:
            self._clear_outcome()

    def _show_attack(self, attack: LabAttack, values: tuple[str, ...] | None = None) -> None:
        values = attack.default if values is None else values
        self.summary.value = f'<span style="color:{GREY}">{escape(attack.summary)}.</span>'
        self._quiet = True
        try:
            if attack.several:
                self.defence_buttons.layout.display = "none"
                self.switches.layout.display = None
                for box in self.switch_boxes:
                    box.value = box.description in values
            else:
                self.switches.layout.display = "none"
                self.defence_buttons.layout.display = None
                self.defence_buttons.options = list(attack.settings)
                self.defence_buttons.value = values[0]
        finally:
            self._quiet = False
        self._clear_outcome()

    def _clear_outcome(self) -> None:
        """The outcome on show no longer describes the choice: take it away."""
        self.outcome = None
        self._text = "Choose, then press Run the attack."
        self.result.value = f"<i>{escape(self._text)}</i>"

    # -- running ---------------------------------------------------------------------------------

    @guarded("Running the attack")
    def run(self) -> LabOutcome:
        """Run the chosen attack with the chosen settings and show what happened."""
        outcome = run_attack(self.attack, self.settings)
        html = self._render(outcome)
        self.outcome = outcome  # everything worked: now change what is shown
        self.result.value = html
        self._text = outcome.text()
        return outcome

    @staticmethod
    def _render(o: LabOutcome) -> str:
        colour = BAD if o.worked else GOOD
        lines = [f'<div style="color:{colour}; font-weight:bold; font-size:1.05em">'
                 f'{"✘" if o.worked else "✔"} {escape(o.verdict)}</div>']
        if o.let_through:
            lines.append(f"<p><b>Let through by:</b> {escape(o.let_through)}</p>")
        if o.stopped_by:
            lines.append(f"<p><b>Stopped by:</b> <span style=\"{MONO}\">"
                         f"{escape(o.stopped_by)}</span></p>")
        lines.append(f"<p><b>Why:</b> {escape(o.explanation)}</p>")
        rows = []
        for e in o.timeline:
            mark = f'<span style="color:{GOOD if e.ok else BAD}">{escape(e.answer)}</span>'
            cell = f'<span style="{MONO}">{escape(e.request)}</span> → {mark}'
            rows.append([escape(at(e.offset)),
                         *(cell if e.lane == lane else "" for lane, _ in _LANES)])
        since = "the theft" if o.result.theft_time is not None else "the first request"
        lines.append(f"<p><b>Timeline</b> (times from {since}):</p>")
        lines.append(table(rows, header=["time", *(escape(label) for _, label in _LANES)]))
        return "".join(lines)

    @property
    def text(self) -> str:
        """What the widget says now, as plain text."""
        return self._text

    @property
    def html(self) -> str:
        return str(self.result.value)

    def __repr__(self) -> str:
        family = self.family or "every attack"
        done = "" if self.outcome is None else (
            ": worked" if self.outcome.worked else ": stopped")
        return f"AttackLab({family}: {self.attack}{done})" + RUN_HINT
