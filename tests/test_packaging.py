"""One truth for versions: pyproject.toml holds the ranges, binder/requirements.txt the pins.

Binder (repo2docker) installs binder/requirements.txt, and `make lab` / `make test` install the
package with the same file as constraints. These tests fail when the two files drift apart, and
check that the environment running them really has the pinned versions.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
REQUIREMENTS = ROOT / "binder" / "requirements.txt"
RUNTIME = ROOT / "binder" / "runtime.txt"
POSTBUILD = ROOT / "binder" / "postBuild"
MAKEFILE = ROOT / "Makefile"

# The Python version Binder runs; binder/runtime.txt must name it.
BINDER_PYTHON = "3.11"
# Extras that `make lab` and `make test` install: each of their requirements needs a pin.
PINNED_EXTRAS = ("lab", "test")
# pip's rule for comments in a requirements file: "#" at the start or after whitespace.
_COMMENT = re.compile(r"(^|\s+)#.*$")


@dataclass(frozen=True)
class Pin:
    line_no: int
    line: str
    requirement: Requirement
    comment: str  # inline comment, "" when none

    @property
    def name(self) -> str:
        return canonicalize_name(self.requirement.name)

    @property
    def version(self) -> Version:
        (spec,) = self.requirement.specifier
        return Version(spec.version)


def read_pins() -> list[Pin]:
    pins = []
    for line_no, raw in enumerate(REQUIREMENTS.read_text(encoding="utf-8").splitlines(), 1):
        text = _COMMENT.sub("", raw).strip()
        if not text:
            continue
        match = _COMMENT.search(raw)
        comment = match.group(0).strip().lstrip("#").strip() if match else ""
        pins.append(Pin(line_no, raw, Requirement(text), comment))
    assert pins, f"{REQUIREMENTS} holds no requirement at all"
    return pins


def read_pyproject() -> dict:
    with PYPROJECT.open("rb") as f:
        return tomllib.load(f)


def project_requirements() -> dict[str, list[tuple[str, Requirement]]]:
    """Every requirement pyproject names, by normalised name, with where it came from."""
    project = read_pyproject()["project"]
    own_name = canonicalize_name(project["name"])
    found: dict[str, list[tuple[str, Requirement]]] = {}
    sources = [("dependencies", project.get("dependencies", []))]
    sources += [
        (f"optional-dependencies.{extra}", reqs)
        for extra, reqs in project.get("optional-dependencies", {}).items()
    ]
    for source, reqs in sources:
        for text in reqs:
            req = Requirement(text)
            if canonicalize_name(req.name) == own_name:
                continue  # an extra that pulls in another extra, e.g. "tokenlab[lab]"
            found.setdefault(canonicalize_name(req.name), []).append((source, req))
    assert found, f"{PYPROJECT} names no dependency at all"
    return found


def applies_on_binder(req: Requirement) -> bool:
    """False for a requirement whose environment marker excludes Binder's Python."""
    if req.marker is None:
        return True
    env = default_environment()
    env.update(python_version=BINDER_PYTHON, python_full_version=f"{BINDER_PYTHON}.0")
    return req.marker.evaluate(env)


def test_every_requirement_line_is_an_exact_pin():
    pins = read_pins()
    loose = [
        f"line {p.line_no}: {p.line.strip()!r}"
        for p in pins
        if p.requirement.url
        or p.requirement.marker
        or p.requirement.extras
        or len(p.requirement.specifier) != 1
        or next(iter(p.requirement.specifier)).operator != "=="
        or next(iter(p.requirement.specifier)).version.endswith(".*")
    ]
    assert not loose, f"{REQUIREMENTS.name} must hold only exact `name==version` pins: {loose}"
    names = [p.name for p in pins]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    assert not duplicates, f"pinned more than once: {duplicates}"


def test_each_pin_satisfies_the_range_in_pyproject():
    ranges = project_requirements()
    checked = []
    for pin in read_pins():
        for source, req in ranges.get(pin.name, []):
            checked.append(pin.name)
            assert req.specifier.contains(pin.version, prereleases=True), (
                f"{REQUIREMENTS.name} pins {pin.requirement.name}=={pin.version}, outside "
                f"{req.name}{req.specifier} in pyproject [{source}]"
            )
    assert checked, "no pin matched any name in pyproject.toml"


@pytest.mark.parametrize("group", ["dependencies", *PINNED_EXTRAS])
def test_every_dependency_has_a_pin(group):
    project = read_pyproject()["project"]
    if group == "dependencies":
        texts = project.get("dependencies", [])
    else:
        texts = project.get("optional-dependencies", {}).get(group, [])
    own_name = canonicalize_name(project["name"])
    reqs = [Requirement(t) for t in texts]
    reqs = [r for r in reqs if canonicalize_name(r.name) != own_name and applies_on_binder(r)]
    assert reqs, f"pyproject.toml has no requirement in {group!r}"
    pinned = {p.name for p in read_pins()}
    unpinned = [str(r) for r in reqs if canonicalize_name(r.name) not in pinned]
    assert not unpinned, f"{group}: add a pin to binder/requirements.txt for {unpinned}"


def test_no_pin_for_a_package_pyproject_does_not_name():
    named = project_requirements()
    stray = [
        f"line {p.line_no}: {p.line.strip()!r}" for p in read_pins() if p.name not in named and not p.comment
    ]
    assert not stray, (
        "pins for packages pyproject.toml does not name; add them to pyproject, or justify "
        f"each with an inline comment on its line: {stray}"
    )


def test_binder_runtime_is_a_python_pyproject_admits():
    assert RUNTIME.read_text(encoding="utf-8").strip() == f"python-{BINDER_PYTHON}"
    requires = read_pyproject()["project"]["requires-python"]
    assert SpecifierSet(requires).contains(BINDER_PYTHON), (
        f"requires-python {requires!r} excludes Binder's Python {BINDER_PYTHON}"
    )


def test_binder_postbuild_installs_the_package_without_resolving_again():
    assert os.access(POSTBUILD, os.X_OK), f"{POSTBUILD} must be executable"
    text = POSTBUILD.read_text(encoding="utf-8")
    assert re.search(r"pip install\b.*--no-deps.*\s\.$", text, re.MULTILINE), text


def test_makefile_installs_with_binder_pins_as_constraints():
    installs = [
        line.strip()
        for line in MAKEFILE.read_text(encoding="utf-8").splitlines()
        if re.search(r"pip install\s.*-e\s", line)
    ]
    assert len(installs) >= len(PINNED_EXTRAS), f"expected one install per stamp, got {installs}"
    for extras in ("'.[lab]'", "'.[lab,test]'"):
        assert any(extras in line for line in installs), f"no install of {extras}: {installs}"
    missing = [line for line in installs if "-c binder/requirements.txt" not in line]
    assert not missing, f"installs without `-c binder/requirements.txt`: {missing}"


def test_installed_versions_equal_the_pins():
    """Proves that the environment running the tests was built from Binder's pins."""
    pins = read_pins()
    wrong = []
    for pin in pins:
        try:
            installed = metadata.version(pin.requirement.name)
        except metadata.PackageNotFoundError:
            wrong.append(f"{pin.requirement.name}: not installed, pinned {pin.version}")
            continue
        if Version(installed) != pin.version:
            wrong.append(f"{pin.requirement.name}: installed {installed}, pinned {pin.version}")
    assert not wrong, "environment differs from binder/requirements.txt (run `make test`): " + (
        "; ".join(wrong)
    )
