"""docs/teaching.md lists every exercise a teacher will meet, with its notebook and kind, and
nothing that does not exist: the table is checked against the exercises themselves."""

from __future__ import annotations

import re
from pathlib import Path

from tokenlab.course.exercises import EXERCISES

TEACHING = Path(__file__).resolve().parents[2] / "docs" / "teaching.md"
ROW = re.compile(r"^\| (\d\d) \| `([\w-]+)` \| ([a-z ]+) \| [^|]+ \|$", re.M)


def test_the_teachers_table_lists_every_exercise_with_its_notebook_and_kind() -> None:
    rows = ROW.findall(TEACHING.read_text(encoding="utf-8"))
    assert [key for _, key, _ in rows] == list(EXERCISES), "one row per exercise, in course order"
    for notebook, key, kind in rows:
        assert (EXERCISES[key].notebook, EXERCISES[key].kind) == (notebook, kind), key
