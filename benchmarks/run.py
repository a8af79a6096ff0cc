"""``make bench``: tokenlab's verification and import time against bare PyJWT, and the speed of
the exposure Monte Carlo against its budget and a plain Python loop, and the request rate of
``tokenlab serve`` with 8 concurrent clients against ``handle()`` without a socket.

Prints one table: medians of the baseline and of tokenlab, the median of per-round ratios (and
their interquartile range), the target ratio and PASS / OVER TARGET per row. The targets are
informational — the exit status is 0 either way, and non-zero only if a benchmark crashes (for
instance because tokenlab and PyJWT disagreed about a token).

    python benchmarks/run.py            # full: 2,000 tokens x 15 rounds per algorithm, 15 imports
    python benchmarks/run.py --quick    # smoke run: a few seconds, figures only rough
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="tokenlab benchmarks (informational targets)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: few tokens and rounds; figures are rough")
    parser.add_argument("--only", choices=("verify", "import", "revocation", "exposure", "serve"),
                        help="run one benchmark")
    args = parser.parse_args(argv)

    if _HERE not in sys.path:  # also when imported as a module rather than run as a script
        sys.path.insert(0, _HERE)
    import cryptography
    import jwt
    from benchlib import Row, format_table

    started = time.perf_counter()
    print(f"tokenlab benchmarks{' (--quick: rough figures)' if args.quick else ''}: "
          f"Python {platform.python_version()}, PyJWT {jwt.__version__}, "
          f"cryptography {cryptography.__version__}")
    spec = importlib.util.find_spec("tokenlab")
    print(f"tokenlab from {spec.origin if spec else 'nowhere: it is not importable'}")
    rows: list[Row] = []
    if args.only in (None, "verify"):
        import bench_verify  # imported only when run: it imports tokenlab itself

        print("verify: per-call medians, same process, interleaved rounds; baseline = "
              "jwt.decode_complete with all its checks + typ/kid/scope checks ...", flush=True)
        rows += bench_verify.run(quick=args.quick)
    if args.only in (None, "revocation"):
        import bench_revocation

        print("revocation: verify against a denylist of revoked jti vs an empty one; expired "
              "store entries left after one more write (no purge) ...", flush=True)
        rows += bench_revocation.run(quick=args.quick)
    if args.only in (None, "exposure"):
        import bench_exposure

        print("exposure Monte Carlo: 1,000,000 thefts against the 1 s budget; numpy against a "
              "plain Python loop of the same model; the widget's redraw for 100,000 ...",
              flush=True)
        rows += bench_exposure.run(quick=args.quick)
    if args.only in (None, "serve"):
        import bench_serve

        print("serve: GET /weather over real HTTP on 127.0.0.1, 8 keep-alive clients; baseline = "
              "the same requests through ResourceServer.handle(), no socket ...", flush=True)
        rows += bench_serve.run(quick=args.quick)
    if args.only in (None, "import"):
        import bench_import

        print("import: medians over fresh interpreters, interleaved; baseline = "
              f"{bench_import.BASELINE!r} ...", flush=True)
        rows += bench_import.run(quick=args.quick)
    print()
    print(format_table(rows))
    judged = [r for r in rows if r.passed is not None]
    over = [r.name for r in judged if not r.passed]
    print()
    print(f"{len(judged) - len(over)} of {len(judged)} targets met"
          + (f"; over target: {', '.join(over)}" if over else "")
          + f" ({time.perf_counter() - started:.1f} s; targets are informational)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
