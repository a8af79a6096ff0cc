"""Import time: ``import tokenlab`` against what a JWT user imports anyway.

Baseline: ``import jwt; from cryptography.hazmat.primitives.asymmetric import ed25519, ec, rsa``.
``jwt`` alone is nearly the same thing: ``jwt/__init__`` imports ``jwt.algorithms``, which (with
cryptography installed) already imports cryptography's ``ec``, ``ed25519``, ``rsa``, ``padding``,
``hashes`` and ``serialization`` modules, so the explicit line adds almost nothing. Measured on
the development machine (2 shared cores, Python 3.11, PyJWT 2.15.1, cryptography 50.0.2):
``import jwt`` ~ 39 ms, the baseline ~ 39 ms (ratio ~ 1.00). The ``jwt only`` row prints this
every run, informationally.

Every sample is a fresh interpreter (``sys.executable -c ...``) that times the import statement
itself with ``time.perf_counter_ns`` — interpreter start-up is the same for all and left out.
The variants run in rotating order each round, after one untimed warm-up each (which also
writes any missing ``.pyc``). The child also reports how many modules the import added and
whether any heavy, notebook-only module (IPython, ipywidgets, matplotlib, numpy, ...) came
with it: the core package must pull in none.

Run alone: ``python benchmarks/bench_import.py [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass

from benchlib import ROOT, Row, format_table, iqr, median

__all__ = ["BASELINE", "HEAVY_MODULES", "TARGET", "ImportSample", "run"]

BASELINE = "import jwt; from cryptography.hazmat.primitives.asymmetric import ed25519, ec, rsa"
JWT_ONLY = "import jwt"
TOKENLAB = "import tokenlab"
#: Largest acceptable median ratio of import times, tokenlab / baseline.
TARGET = 1.5
#: Modules the core package must not import (they belong to the notebooks' extras).
HEAVY_MODULES = (
    "IPython", "ipywidgets", "ipykernel", "matplotlib", "numpy", "pandas", "jupyter_client",
    "traitlets",
)

# Only `sys` and `time` (already loaded at start-up) are imported before the measured statement.
_CHILD = """\
import sys, time
before = len(sys.modules)
t0 = time.perf_counter_ns()
{stmt}
t1 = time.perf_counter_ns()
heavy = [m for m in {heavy!r} if m in sys.modules]
sys.stdout.write(str(t1 - t0) + " " + str(len(sys.modules) - before) + " " + ",".join(heavy))
"""


@dataclass(frozen=True, slots=True)
class ImportSample:
    ns: int
    new_modules: int
    heavy: tuple[str, ...]


def _env(pycache: str) -> dict[str, str]:
    """The parent's environment, with this checkout last on PYTHONPATH (so ``tokenlab`` imports
    even when not installed, while a copy put on PYTHONPATH wins) and bytecode caching on, into
    ``pycache``.

    A user's installed packages have their ``.pyc`` files; without them every sample would time
    the compiler. ``PYTHONDONTWRITEBYTECODE`` may be set (it is in some CI images), and the
    checkout must not be written to, so the children cache *all* bytecode — PyJWT's and
    cryptography's too, for fairness — under ``PYTHONPYCACHEPREFIX``, a temporary directory
    filled by the warm-up runs.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (env.get("PYTHONPATH"), str(ROOT)) if p)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def sample(stmt: str, env: dict[str, str]) -> ImportSample:
    """Time ``stmt`` in a fresh interpreter with environment ``env``."""
    code = _CHILD.format(stmt=stmt, heavy=HEAVY_MODULES)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False,
        env=env, cwd=env["PYTHONPYCACHEPREFIX"],  # a neutral cwd: `-c` puts it on sys.path
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{stmt!r} failed in a child interpreter:\n{proc.stderr}")
    ns, count, heavy = proc.stdout.split(" ")  # "<ns> <count> <heavy,...>"
    return ImportSample(int(ns), int(count), tuple(h for h in heavy.split(",") if h))


def run(*, quick: bool = False, rounds: int | None = None) -> list[Row]:
    r = rounds or (3 if quick else 15)
    variants = {"baseline": BASELINE, "jwt only": JWT_ONLY, "tokenlab": TOKENLAB}
    names = list(variants)
    samples: dict[str, list[ImportSample]] = {k: [] for k in variants}
    with tempfile.TemporaryDirectory(prefix="tokenlab-bench-pyc-") as pycache:
        env = _env(pycache)
        for stmt in variants.values():  # warm-up: writes the .pyc files, fills the OS cache
            sample(stmt, env)
        for i in range(r):
            for name in names[i % len(names):] + names[: i % len(names)]:
                samples[name].append(sample(variants[name], env))

    base_ms = [s.ns / 1e6 for s in samples["baseline"]]
    base_modules = samples["baseline"][-1].new_modules

    def row(name: str, label: str, target: float | None) -> Row:
        ms = [s.ns / 1e6 for s in samples[name]]
        ratios = [c / b for c, b in zip(ms, base_ms, strict=True)]
        heavy = sorted({h for s in samples[name] for h in s.heavy})
        note = (f"{samples[name][-1].new_modules} modules imported (baseline {base_modules}); "
                "heavy modules: "
                + (", ".join(heavy) + "  <-- SHOULD BE NONE" if heavy else "none"))
        return Row(label, median(base_ms), median(ms), "ms", median(ratios), iqr(ratios),
                   target, r, note)

    return [row("jwt only", "import jwt", None), row("tokenlab", "import tokenlab", TARGET)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="3 rounds instead of 15")
    parser.add_argument("--rounds", type=int, help="rounds (default 15; quick 3)")
    args = parser.parse_args(argv)
    print(format_table(run(quick=args.quick, rounds=args.rounds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
