# ruff: noqa: UP031 - %-formatting on purpose: this file must parse on any old Python
"""Check that the Python given to `make` can build tokenlab's virtual environment.

Usage: python tools/check_python.py ["make lab"]   (the command to suggest in the message)

Run by the Makefile before it creates .venv. Prints one line saying what to do and exits 1 when
the interpreter is too old or lacks the venv/ensurepip modules, so a learner never sees a stack
trace. Written to be parsed by any Python, even 2.7: no f-strings, no annotations.
"""

import os
import sys

REQUIRED = (3, 11)


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else "make lab"
    found = "%d.%d" % sys.version_info[:2]
    where = sys.executable or "python"
    if tuple(sys.version_info[:2]) < REQUIRED:
        newer = "python%d.%d" % REQUIRED
        message = "tokenlab needs Python >= %d.%d, found %s (%s); install a newer one or run `%s PYTHON=%s`"
        return message % (REQUIRED[0], REQUIRED[1], found, where, command, newer)
    try:
        import venv  # noqa: F401
    except ImportError:
        return venv_missing(found, where, "venv")
    try:
        import ensurepip

        ensurepip.version()  # fails when the bundled pip wheel was stripped out
    except Exception:  # any failure here means there is no working ensurepip
        return venv_missing(found, where, "ensurepip")
    return None


def venv_missing(found, where, module):
    if os.path.exists("/etc/debian_version"):
        hint = "on Debian/Ubuntu run `sudo apt install python3-venv` (or python%s-venv)" % found
    else:
        hint = "install a Python build that includes it (e.g. from python.org)"
    return "Python's %s module is missing from %s (%s): %s" % (module, where, found, hint)


if __name__ == "__main__":
    problem = main()
    if problem:
        sys.stderr.write(problem + "\n")
        sys.exit(1)
