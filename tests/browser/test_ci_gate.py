"""Under CI a missing chromium fails the real-browser tests instead of skipping them all.

A skipped test is a green run: had ``.ci/run`` not set ``CI=true``, a CI machine without
chromium would pass having run no browser test at all. These tests need no browser.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from . import conftest as browser_conftest
from .conftest import ROOT


def _stub(directory: Path, name: str, script: str) -> None:
    path = directory / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_ci_run_exports_ci_true_to_make_test(tmp_path: Path) -> None:
    """Run a copy of ``.ci/run`` with ``make`` and ``apt-get`` stubbed: ``make test`` must see
    ``CI=true`` even when the CI runner did not set it."""
    (tmp_path / ".ci").mkdir()
    shutil.copy2(ROOT / ".ci" / "run", tmp_path / ".ci" / "run")
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    seen = tmp_path / "make-saw"
    _stub(stubs, "make", f'printf "%s|%s" "${{CI-unset}}" "$*" > "{seen}"\n')
    _stub(stubs, "apt-get", "exit 0\n")  # nothing is installed by this test
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PATH"] = f"{stubs}{os.pathsep}{env.get('PATH', '')}"
    subprocess.run(["bash", str(tmp_path / ".ci" / "run")], env=env, check=True,
                   capture_output=True, timeout=120)
    assert seen.read_text() == "true|test"


@pytest.fixture
def no_chromium(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser_conftest, "CHROMIUM", tmp_path / "no-chromium")


@pytest.mark.parametrize("value", ["true", "1", "yes", "True"])
def test_under_ci_a_missing_chromium_fails_instead_of_skipping(
        no_chromium: None, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="chromium not found"):
        browser_conftest._require_chromium()


@pytest.mark.parametrize("value", [None, "", "false", "0"])
def test_outside_ci_a_missing_chromium_skips_and_says_how_to_install_it(
        no_chromium: None, monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.skip.Exception, match="apt install chromium"):
        browser_conftest._require_chromium()
