"""Promises match what exists: the README, the docs and the notebooks may name a notebook that is
not written yet only as "coming", never link to it, and the course map's status says which
notebooks exist. As notebooks appear, these tests make the texts catch up."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
README = ROOT / "README.md"

#: What the README promises from each notebook of the course map that may not exist yet.
TOPICS = {
    "08": r"\bstole|\bsteal",
    "09": r"\breplay|\bDPoP\b|sender-constrained",
    "10": r"\bforg|\balg: none|algorithm confusion|JWT attacks",
    "11": r"\bchecklist\b",
    "12": r"where the field is heading|\bfuture\b",
}


def existing() -> set[str]:
    return {p.name[:2] for p in NOTEBOOKS.glob("[0-9][0-9]-*.ipynb")}


def _markdown(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def texts() -> dict[str, str]:
    found = {p.name: _markdown(p) for p in sorted(NOTEBOOKS.glob("*.ipynb"))}
    found["README.md"] = README.read_text(encoding="utf-8")
    for doc in sorted((ROOT / "docs").glob("*.md")):
        found[f"docs/{doc.name}"] = doc.read_text(encoding="utf-8")
    return found


def sentences(text: str) -> list[str]:
    """Sentences, near enough: split at '.', '!' or '?' before a space, at blank lines and at
    list items and table rows (each is a statement of its own)."""
    return [s for s in re.split(r"(?<=[.!?])\s+|\n\s*\n|\n(?=\s*[-*|] )", text) if s.strip()]


def course_map() -> list[tuple[str, str, str]]:
    """The README's course map: (number, notebook name, status) per row."""
    return re.findall(r"^\| (\d\d) \| `(\d\d-[\w-]+)` \| (\w+) \|",
                      README.read_text(encoding="utf-8"), re.M)


_NAMES = "|".join(sorted({re.escape(n) for _, n, _ in course_map()}
                         | {re.escape(p.stem) for p in NOTEBOOKS.glob("[0-9][0-9]-*.ipynb")}))
#: A mention of notebook NN: "notebook 08", "notebooks 08 to 10" (with a dash), "from 08 on",
#: "08-stolen-token".
DASH = "\u2013"
MENTION = re.compile(rf"\b[Nn]otebooks? \(?(\d\d)\b(?:[{DASH}-](\d\d)\b)?|\bfrom (\d\d)\b(?!:)"
                     rf"|\b(?=({_NAMES})\b)(\d\d)")


def mentioned(sentence: str) -> set[str]:
    numbers: set[str] = set()
    for m in MENTION.finditer(sentence):
        if m.group(1) and m.group(2):
            numbers |= {f"{n:02d}" for n in range(int(m.group(1)), int(m.group(2)) + 1)}
        numbers |= {g for g in (m.group(1), m.group(3), m.group(5)) if g}
    return numbers


@pytest.mark.parametrize("name", sorted(texts()))
def test_a_notebook_not_written_yet_is_named_only_as_coming(name: str) -> None:
    have = existing()
    wrong = []
    for sentence in sentences(texts()[name]):
        missing = mentioned(sentence) - have
        if missing and not re.search(r"\bcoming\b", sentence, re.I):
            wrong.append(f"{sorted(missing)}: {sentence.strip()[:160]}")
    assert wrong == [], f"{name} names notebooks that do not exist yet without 'coming'"


@pytest.mark.parametrize("name", sorted(texts()))
def test_no_link_to_a_notebook_that_does_not_exist(name: str) -> None:
    links = re.findall(r"\]\(([^)\s]*?\.ipynb)(?:#[^)]*)?\)", texts()[name])
    base = ROOT if not name.endswith(".ipynb") else NOTEBOOKS
    broken = [link for link in links
              if not (base / link).exists() and not (NOTEBOOKS / Path(link).name).exists()]
    assert broken == []


def test_the_course_map_says_which_notebooks_exist() -> None:
    rows = course_map()
    assert rows, "the README has a course map"
    for _, name, status in rows:
        exists = (NOTEBOOKS / f"{name}.ipynb").exists()
        assert status == ("available" if exists else "coming"), (name, status)
    assert {number for number, _, _ in rows} >= existing()


def test_the_readme_promises_what_is_not_written_yet_as_coming() -> None:
    """The intro and "What you will learn" may promise the attack notebooks' topics only as
    coming, until those notebooks exist."""
    text = README.read_text(encoding="utf-8")
    intro = text.split("## ", 1)[0]
    learn = text.split("## What you will learn", 1)[1].split("\n## ", 1)[0]
    statements = sentences(intro) + re.split(r"\n(?=- )", learn)
    have = existing()
    wrong = [s.strip()[:120] for s in statements
             for number, topic in TOPICS.items()
             if number not in have and re.search(topic, s) and not re.search(r"\bcoming\b", s, re.I)]
    assert wrong == []


def test_mentions_are_found() -> None:
    """The finder itself: what it must see, and what it must not mistake for a notebook."""
    assert mentioned("see notebook 08, coming") == {"08"}
    assert mentioned(f"notebooks 08{DASH}10 next") == {"08", "09", "10"}
    assert mentioned("from 08 on") == {"08"}
    assert mentioned("open 09-replay.ipynb") == {"09"}
    assert mentioned("RFC 6749 §4.4, 00:15:00, a 24-hour token, 2026-11-28") == set()
