"""Shared pieces of the benchmarks: a result row, robust statistics and the table printer.

The machine these run on is shared and noisy, so every figure is a *median* over rounds in which
the baseline and tokenlab were measured in the same process (or, for imports, alternately in
fresh processes), and every ratio is the median of per-round ratios. Targets are informational:
nothing here asserts on time.
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ROOT", "Row", "ensure_repo_on_path", "format_table", "iqr", "median"]

#: The repository root (the parent of ``benchmarks/``): the ``tokenlab`` measured is this one.
ROOT = Path(__file__).resolve().parent.parent


def ensure_repo_on_path() -> None:
    """Let ``python benchmarks/x.py`` import this checkout's ``tokenlab`` without an install.

    Appended, so an installed ``tokenlab`` (editable: this checkout) or one on ``PYTHONPATH``
    (e.g. a scratch copy being tried out) comes first.
    """
    root = str(ROOT)
    if root not in sys.path:
        sys.path.append(root)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def iqr(values: Sequence[float]) -> tuple[float, float]:
    """The 25th and 75th percentiles (both the single value when there is only one)."""
    if len(values) < 2:
        return values[0], values[0]
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[2]


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table: a baseline and tokenlab, their medians and the median ratio.

    ``target`` is the largest acceptable ratio; ``None`` marks an informational row.
    """

    name: str
    baseline: float
    contender: float
    unit: str
    ratio: float
    ratio_iqr: tuple[float, float]
    target: float | None
    rounds: int
    note: str = ""

    @property
    def passed(self) -> bool | None:
        return None if self.target is None else self.ratio <= self.target

    @property
    def verdict(self) -> str:
        if self.passed is None:
            return "info"
        return "PASS" if self.passed else "OVER TARGET"


def _fmt(value: float, unit: str) -> str:
    return f"{value:,.1f} {unit}" if value < 1000 else f"{value:,.0f} {unit}"


def format_table(rows: Sequence[Row]) -> str:
    """A compact plain-ASCII table (it may be read from a captured pipe with any encoding)."""
    header = ("benchmark", "baseline", "measured", "ratio", "ratio IQR", "target", "result")
    lines = [
        (
            r.name,
            _fmt(r.baseline, r.unit),
            _fmt(r.contender, r.unit),
            f"{r.ratio:.2f}x",
            f"{r.ratio_iqr[0]:.2f}-{r.ratio_iqr[1]:.2f}",
            "-" if r.target is None else f"<= {r.target:.2f}x",
            r.verdict,
        )
        for r in rows
    ]
    widths = [max(len(x[i]) for x in [header, *lines]) for i in range(len(header))]
    out = []
    for i, cells in enumerate([header, *lines]):
        out.append("  ".join(
            c.ljust(w) if j == 0 else c.rjust(w) if j < len(cells) - 1 else c
            for j, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip())
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    notes = [f"  {r.name}: {r.note}" for r in rows if r.note]
    if notes:
        out += ["", "notes:", *notes]
    return "\n".join(out)
