"""One truth for versions: pyproject.toml holds the ranges, binder/requirements.txt the lock.

binder/requirements.txt pins every distribution that tokenlab and its extras `lab` and `test`
need, transitive ones included, with environment markers for the other platforms; `make lock`
generates it. Binder (repo2docker) installs it, and `make lab` / `make test` install the package
with the same file as constraints. These tests fail when the two files drift apart, and check that
the environment running them holds exactly the locked versions, nothing more and nothing less.
"""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
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
# Installed but never locked, each for its own reason:
UNLOCKED = {
    "tokenlab",  # the project itself: the lock holds what it needs; postBuild installs it with --no-deps
    "pip",  # the installer: `make` upgrades it when it creates .venv, Binder's image brings its own
    "setuptools",  # put there by `python -m venv` (3.11) and the build backend; nothing imports it
    "wheel",  # the same, for venvs made by older Pythons or by virtualenv
    "uv",  # the tool that writes the lock: `make lock` installs it into .venv
}
# pip's rule for comments in a requirements file: "#" at the start or after whitespace.
_COMMENT = re.compile(r"(^|\s+)#.*$")
# What the lock's "# via" annotations name for a requirement that pyproject.toml makes.
_VIA_PROJECT = re.compile(r"^(?P<name>[\w.-]+)(\[[\w,.-]+\])? \(pyproject\.toml\)$")


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

    def applies(self, env: dict[str, str]) -> bool:
        return self.requirement.marker is None or self.requirement.marker.evaluate(env)


def read_pins() -> list[Pin]:
    pins = []
    for line_no, raw in enumerate(REQUIREMENTS.read_text(encoding="utf-8").splitlines(), 1):
        text = _COMMENT.sub("", raw).strip()
        if not text:
            continue
        match = _COMMENT.search(raw)
        comment = match.group(0).strip().lstrip("#").strip() if match else ""
        try:
            requirement = Requirement(text)
        except InvalidRequirement as err:
            pytest.fail(f"{REQUIREMENTS.name} line {line_no}: {raw!r} is no requirement ({err})")
        pins.append(Pin(line_no, raw, requirement, comment))
    assert pins, f"{REQUIREMENTS} holds no requirement at all"
    return pins


def read_pyproject() -> dict:
    with PYPROJECT.open("rb") as f:
        return tomllib.load(f)


def own_name() -> str:
    return canonicalize_name(read_pyproject()["project"]["name"])


def project_requirements() -> dict[str, list[tuple[str, Requirement]]]:
    """Every requirement pyproject names, by normalised name, with where it came from."""
    project = read_pyproject()["project"]
    found: dict[str, list[tuple[str, Requirement]]] = {}
    sources = [("dependencies", project.get("dependencies", []))]
    sources += [
        (f"optional-dependencies.{extra}", reqs)
        for extra, reqs in project.get("optional-dependencies", {}).items()
    ]
    for source, reqs in sources:
        for text in reqs:
            req = Requirement(text)
            if canonicalize_name(req.name) == own_name():
                continue  # an extra that pulls in another extra, e.g. "tokenlab[lab]"
            found.setdefault(canonicalize_name(req.name), []).append((source, req))
    assert found, f"{PYPROJECT} names no dependency at all"
    return found


def binder_environment() -> dict[str, str]:
    """Marker values on Binder: this machine's platform (Linux) with Binder's Python."""
    env = default_environment()
    env.update(python_version=BINDER_PYTHON, python_full_version=f"{BINDER_PYTHON}.0")
    return env


def applies_on_binder(req: Requirement) -> bool:
    """False for a requirement whose environment marker excludes Binder's Python."""
    return req.marker is None or req.marker.evaluate(binder_environment())


def pins_for(env: dict[str, str]) -> dict[str, Pin]:
    """The pins whose markers hold in `env`, by normalised name (one each, see the first test)."""
    return {p.name: p for p in read_pins() if p.applies(env)}


def test_every_requirement_line_is_an_exact_pin():
    pins = read_pins()
    loose = [
        f"line {p.line_no}: {p.line.strip()!r}"
        for p in pins
        if p.requirement.url
        or p.requirement.extras
        or len(p.requirement.specifier) != 1
        or next(iter(p.requirement.specifier)).operator != "=="
        or next(iter(p.requirement.specifier)).version.endswith(".*")
    ]
    assert not loose, (
        f"{REQUIREMENTS.name} must hold only exact `name==version` pins, each with an optional "
        f"environment marker: {loose}"
    )
    # A name may come twice only with markers that split the platforms between its versions.
    for label, env in [("this environment", default_environment()), ("Binder", binder_environment())]:
        names = [p.name for p in pins if p.applies(env)]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        assert not duplicates, f"pinned more than once for {label}: {duplicates}"
    names = [p.name for p in pins]
    unmarked = sorted({p.name for p in pins if names.count(p.name) > 1 and p.requirement.marker is None})
    assert not unmarked, f"pinned more than once, once without a marker: {unmarked}"


def test_the_lock_does_not_pin_tokenlab_itself():
    # postBuild installs the checkout with --no-deps; a pin would install a release over it.
    assert own_name() not in {p.name for p in read_pins()}


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
    reqs = [Requirement(t) for t in texts]
    reqs = [r for r in reqs if canonicalize_name(r.name) != own_name() and applies_on_binder(r)]
    assert reqs, f"pyproject.toml has no requirement in {group!r}"
    pinned = pins_for(binder_environment())
    unpinned = [str(r) for r in reqs if canonicalize_name(r.name) not in pinned]
    assert not unpinned, f"{group}: add a pin to binder/requirements.txt for {unpinned} (`make lock`)"


def test_every_pin_says_what_pulls_it_in():
    """Each pin's `# via` comment names pyproject.toml or another pin: no stray pins."""
    pins = read_pins()
    pinned = {p.name for p in pins}
    named = project_requirements()
    unexplained = []
    for pin in pins:
        if not pin.comment.startswith("via "):
            unexplained.append(f"line {pin.line_no}: {pin.line.strip()!r} (no `# via ...`)")
            continue
        parents = [part.strip() for part in pin.comment.removeprefix("via ").split(",")]
        for parent in parents:
            project = _VIA_PROJECT.match(parent)
            if project and canonicalize_name(project["name"]) == own_name() and pin.name in named:
                continue
            if not project and canonicalize_name(parent) in pinned:
                continue
            unexplained.append(f"line {pin.line_no}: {pin.line.strip()!r} (via {parent!r})")
    assert not unexplained, (
        "each pin needs a `# via` comment naming pyproject.toml (for a requirement it names) or "
        f"another pin; regenerate with `make lock`: {unexplained}"
    )


def test_the_lock_says_how_to_regenerate_it():
    lines = REQUIREMENTS.read_text(encoding="utf-8").splitlines()
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line)
    assert any("make lock" in line for line in header), f"the header must name `make lock`: {header}"
    recipe = re.search(r"^lock:.*\n((?:\t.*\n)+)", MAKEFILE.read_text(encoding="utf-8"), re.MULTILINE)
    assert recipe, "the Makefile has no `lock` target"
    commands = recipe.group(1).replace("\\\n", " ").splitlines()  # join continued lines
    compile_lines = [line for line in commands if re.search(r"-m uv pip compile\s", line)]
    assert len(compile_lines) == 1, f"expected one `$(VPY) -m uv pip compile` in `make lock`: {commands}"
    (command,) = compile_lines
    for part in ["pyproject.toml", "--universal", f"--python-version {BINDER_PYTHON}"] + [
        f"--extra {extra}" for extra in PINNED_EXTRAS
    ]:
        assert part in command, f"`make lock` must run uv pip compile with {part!r}: {command}"


def test_make_help_lists_lock():
    result = subprocess.run(
        ["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert re.search(r"^make lock\s", result.stdout, re.MULTILINE), result.stdout


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
    """Proves that the environment running the tests was built from the lock."""
    pins = pins_for(default_environment())
    wrong = []
    for pin in pins.values():
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


def test_the_lock_covers_every_installed_distribution():
    """Nothing in this environment was resolved outside the lock, so Binder resolves nothing either."""
    pins = pins_for(default_environment())
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    assert own_name() in installed, "tokenlab is not installed in the environment running the tests"
    wrong = []
    for name, version in sorted(installed.items()):
        if name in UNLOCKED:
            continue
        if name not in pins:
            wrong.append(f"{name}=={version}: installed, not in the lock")
        elif Version(version) != pins[name].version:
            wrong.append(f"{name}: installed {version}, locked {pins[name].version}")
    assert not wrong, (
        "binder/requirements.txt does not lock this environment (regenerate it with `make lock`, "
        "then reinstall with `make test`): " + "; ".join(wrong)
    )
