"""AttackLab: choose an attack and its defences or switches, run it, read the outcome and the
timeline in the widget; bad choices are explained in the widget and change nothing."""

from __future__ import annotations

import pytest

from tokenlab.scenarios.forgery import SWITCHES
from tokenlab.scenarios.lab import run_attack
from tokenlab.widgets import AttackLab


def test_starts_on_the_first_attack_of_its_family_with_nothing_run() -> None:
    lab = AttackLab("forgery")
    assert lab.attack == "alg none" and lab.outcome is None
    assert repr(lab).startswith("AttackLab(forgery: alg none") and len(repr(lab)) <= 110
    assert [c.description for c in lab.switch_boxes] == list(SWITCHES)
    assert lab.defence_buttons.layout.display == "none"


def test_run_shows_what_the_engine_says() -> None:
    lab = AttackLab("theft")
    lab.choose("stolen access token", ["introspection"])
    outcome = lab.run()
    assert outcome is not None
    assert outcome.text() == run_attack("stolen access token", ["introspection"]).text()
    assert outcome.verdict in lab.text and "Timeline" in lab.text
    assert "POST /revoke" in lab.html and "attacker" in lab.html


def test_clicking_the_controls_runs_the_same_attack() -> None:
    lab = AttackLab()
    lab.attack_menu.value = "alg none"
    next(b for b in lab.switch_boxes if b.description == "insecure_accept_none").value = True
    lab.run_button.click()
    assert lab.outcome is not None and lab.outcome.worked
    assert "insecure_accept_none" in lab.text
    lab.attack_menu.value = "stolen access token"
    assert lab.defence_buttons.layout.display != "none"
    lab.defence_buttons.value = "DPoP"
    lab.run_button.click()
    assert lab.outcome.attack == "stolen access token" and not lab.outcome.worked


def test_changing_the_attack_clears_the_old_outcome() -> None:
    lab = AttackLab()
    lab.choose("alg none", [])
    lab.run()
    lab.attack_menu.value = "embedded jwk"
    assert lab.outcome is None and "Run the attack" in lab.text


@pytest.mark.parametrize(("attack", "settings", "says"), [
    ("nope", None, "no attack 'nope'"),
    ("alg none", ["insecure_everything"], "unknown switch"),
    ("stolen access token", ["TTL alone", "DPoP"], "exactly one defence"),
])
def test_bad_choices_are_explained_and_change_nothing(attack: str, settings: object,
                                                      says: str) -> None:
    lab = AttackLab()
    lab.choose("stolen access token", ["denylist"])
    before = lab.run()
    assert lab.choose(attack, settings) is None  # type: ignore[arg-type]
    assert says in lab.error and "Traceback" not in lab.error
    assert lab.attack == "stolen access token" and lab.defence_buttons.value == "denylist"
    assert lab.outcome is before


def test_a_family_that_does_not_exist_is_refused() -> None:
    with pytest.raises(ValueError, match="theft, replay, forgery"):
        AttackLab("phishing")


def test_only_the_family_asked_for_is_offered() -> None:
    lab = AttackLab("replay")
    assert [v for _, v in lab.attack_menu.options] == ["captured request replayed"]


def test_a_new_defence_or_switch_clears_the_outcome_it_no_longer_describes() -> None:
    lab = AttackLab()
    lab.choose("stolen access token", ["denylist"])
    lab.run()
    lab.defence_buttons.value = "DPoP"
    assert lab.outcome is None and "Run the attack" in lab.text
    lab.choose("alg none", [])
    lab.run()
    lab.switch_boxes[0].value = True
    assert lab.outcome is None and "Run the attack" in lab.text


def test_a_lab_of_one_family_shows_only_the_controls_its_attacks_take() -> None:
    forgeries, thefts, every = AttackLab("forgery"), AttackLab("theft"), AttackLab()
    assert forgeries.defence_buttons not in forgeries.children
    assert thefts.switches not in thefts.children
    assert every.defence_buttons in every.children and every.switches in every.children
    labels = [label for label, _ in every.attack_menu.options]
    assert "JWT attack · token for another audience" in labels
    assert forgeries.attack_menu.options[0][0] == "alg none"
