"""Every exercise's revealed solution, run where the learner meets it: each notebook is executed
in-process up to the cell that shows the exercise, the solution is typed into that box (an answer)
or run in the notebook's namespace as a cell (code), and the box's own check must accept it. A
wrong answer must get a reason, never a Python error text."""

from __future__ import annotations

import contextlib
import html
import io
from pathlib import Path
from typing import Any

import pytest

from tokenlab.course.exercises import EXERCISES, for_notebook
from tokenlab.widgets.exercise import ExerciseBox

from ..notebook_cells import NOTEBOOKS, code_cells, run_cell, run_notebook

NOTEBOOK_PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


@pytest.fixture(autouse=True)
def _agg() -> None:
    import matplotlib

    matplotlib.use("Agg")


def _boxes_by_cell(path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[int, ExerciseBox]]:
    """Run the whole notebook; each exercise key → (index of the cell that made its box, box)."""
    made: list[ExerciseBox] = []
    original = ExerciseBox.__init__

    def spy(self: ExerciseBox, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(ExerciseBox, "__init__", spy)
    found: dict[str, tuple[int, ExerciseBox]] = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for i, _ in run_notebook(path):
            for box in made:
                assert box.exercise.key not in found, f"{path.name}: {box.exercise.key} asked twice"
                found[box.exercise.key] = (i, box)
            made.clear()
    monkeypatch.setattr(ExerciseBox, "__init__", original)
    return found


def _box_at(path: Path, cell: int, key: str) -> tuple[ExerciseBox, dict[str, Any]]:
    """A fresh run of the notebook up to ``cell``: the box made there and the namespace."""
    names: dict[str, Any] = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for i, _ in run_notebook(path, namespace=names):
            if i == cell:
                break
    boxes = [v for v in names.values() if isinstance(v, ExerciseBox) and v.exercise.key == key]
    if boxes:
        return boxes[0], names
    # the box was displayed, not kept in a name: make it again as that cell did
    with contextlib.redirect_stdout(io.StringIO()):
        box = run_cell(code_cells(path)[cell], names, path.name)
    assert isinstance(box, ExerciseBox) and box.exercise.key == key
    return box, names


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=[p.stem for p in NOTEBOOK_PATHS])
def test_every_revealed_solution_passes_its_box_in_the_executed_notebook(
        path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    number = path.name[:2]
    boxes = _boxes_by_cell(path, monkeypatch)
    assert list(boxes) == [e.key for e in for_notebook(number)], (
        f"{path.name} asks {list(boxes)}; tokenlab.course.exercises lists "
        f"{[e.key for e in for_notebook(number)]} for it, in that order")
    assert boxes, f"{path.name} has no exercise"
    for key, (cell, box) in boxes.items():
        e = EXERCISES[key]
        if e.code:
            # run the revealed code where the learner would, in a fresh run up to the box
            box, names = _box_at(path, cell, key)
            with contextlib.redirect_stdout(io.StringIO()):
                value = run_cell(e.code, names, f"{path.name}: solution of {key}")
        else:
            value = e.answer
        verdict = box.check(value)
        assert verdict.correct, f"{path.name}: the solution of {key} fails its box: {verdict}"
        box.reveal()
        assert (e.code or e.answer) in html.unescape(box.solution.value)
        wrong = box.check("")
        assert not wrong.correct and wrong.reason and "Error" not in wrong.reason, (key, wrong)
