"""docs/attacks.md names every attack of the matrix and every switch, and its table of what opens
what is the matrix's own table, rendered."""

from __future__ import annotations

import re
from pathlib import Path

from tokenlab.jose.policy import INSECURE_SWITCHES

from .test_attack_matrix import ATTACKS, HMAC_SECRET, Attack

DOC = Path(__file__).resolve().parents[2] / "docs" / "attacks.md"


def row(a: Attack) -> str:
    """One line of the table in docs/attacks.md, from the matrix."""
    also = "; ".join(f"{' + '.join(f'`{s}`' for s in sorted(c))} ({why})"
                     for c, why in a.also_opened_by.items()) or "—"
    names = f" (`{a.names}`)" if a.names else ""
    return (f"| {a.name} | `{a.refused_with.__name__}`{names} | "
            f"{' + '.join(f'`{s}`' for s in sorted(a.opened_by))} | {also} |")


def test_docs_attacks_names_every_attack_and_every_switch() -> None:
    text = DOC.read_text(encoding="utf-8")
    for a in ATTACKS:
        assert f"## {a.name}" in text, a.name
    for name in (*INSECURE_SWITCHES, HMAC_SECRET):
        assert f"`{name}`" in text, name


def test_docs_attacks_table_is_the_matrix() -> None:
    text = DOC.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`" in line
            and not line.startswith("| Attack")]
    table = [line for line in rows if any(line.startswith(f"| {a.name} |") for a in ATTACKS)]
    assert table == [row(a) for a in ATTACKS]


def test_docs_attacks_cites_only_sections_and_cves_it_lists_as_checked() -> None:
    """Each attack cites the RFC section (RFC 8725 for most) or the CVE it comes from; a CVE
    named anywhere is one of the sources listed at the end of the document as checked."""
    text = DOC.read_text(encoding="utf-8")
    sections = [" ".join(s.split()) for s in text.split("\n## ")[1:]]  # one line each
    for a in ATTACKS:
        (body,) = [s for s in sections if s.startswith(a.name)]
        assert re.search(r"RFC \d{4} §\d|CVE-\d{4}-\d+", body), a.name
        assert "**Stopped by**" in body and "**Switch**" in body and "**Mistake**" in body
    sources = text.split("## Sources")[1]
    for cve in set(re.findall(r"CVE-\d{4}-\d+", text)):
        assert cve in sources, cve
    assert sum(1 for a in ATTACKS if "RFC 8725 §" in
               next(s for s in sections if s.startswith(a.name))) >= 10
