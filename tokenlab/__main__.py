"""``python -m tokenlab serve`` (also the ``tokenlab`` console script): the command line.

The entry point, like ``tokenlab/__init__.py`` the top of the house: it imports the serving
package only when asked to serve, so ``import tokenlab`` never loads it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

USAGE = ("usage: tokenlab serve [--port N] [--api-port N] [--seed S] [--store sqlite:PATH] "
         "[--tls] [--dpop-required]   (tokenlab serve --help says more)")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "serve":
        said = f"unknown command {args[0]!r}; " if args and args[0] not in ("-h", "--help") else ""
        print(f"tokenlab: {said}{USAGE}", file=sys.stderr)
        return 0 if args and args[0] in ("-h", "--help") else 2
    from .serving.cli import main as serve_main

    return serve_main(args[1:])


if __name__ == "__main__":
    sys.exit(main())
