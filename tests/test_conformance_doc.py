"""docs/conformance.md cannot rot: every test it cites exists, every row cites one, and every
RFC-named test of the lifecycle suite is cited."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "conformance.md"
REF = re.compile(r"(tests/[\w/]+\.py)::(\w+)")
SPECS = ("RFC 6749", "RFC 6750", "RFC 7009", "RFC 7519", "RFC 7636", "RFC 7638", "RFC 7662",
         "RFC 8414", "RFC 8707", "RFC 8725", "RFC 9068", "RFC 9449", "RFC 9700")
#: The lifecycle suite of issue #3: each of its RFC-named tests must appear in the table.
LIFECYCLE = ("ground/test_store.py", "jose/test_interop.py", "authserver/test_users.py",
             "authserver/test_password_grant.py", "authserver/test_authcode.py",
             "authserver/test_refresh.py", "authserver/test_revocation.py",
             "authserver/test_introspection.py", "authserver/test_metadata.py",
             "authserver/test_concurrency.py", "authserver/test_password_change.py",
             "authserver/test_state_writes.py", "api/test_rule_order.py",
             "jose/test_thumbprint.py", "jose/test_dpop_key.py", "jose/test_dpop_verify.py",
             "jose/test_idtoken.py", "authserver/test_id_token.py", "client/test_id_token.py",
             "api/test_id_token_at_api.py", "authserver/test_dpop_token_endpoint.py",
             "api/test_dpop_api.py", "client/test_dpop_client.py")


def table_rows() -> list[list[str]]:
    """The cells of every data row of the requirements table."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Requirements", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    assert rows[0].startswith("| Spec §") and set(rows[1]) <= set("| -")
    return [[c.strip() for c in line.strip("|").split("|")] for line in rows[2:]]


@cache
def defined_tests(path: str) -> frozenset[str]:
    """Names of the test functions defined in a test file (module level or in classes)."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"), filename=path)
    names = {n.name for n in tree.body
             if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        names |= {n.name for n in cls.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    return frozenset(n for n in names if n.startswith("test_"))


def test_the_table_is_there_and_well_formed() -> None:
    rows = table_rows()
    assert len(rows) >= 80
    for cells in rows:
        assert len(cells) == 4, cells
        spec, level, requirement, tests = cells
        assert spec and level and requirement, cells
        assert REF.search(tests), f"row cites no test: {spec} {requirement}"


def test_every_cited_test_exists() -> None:
    cited = [m.groups() for cells in table_rows() for m in REF.finditer(cells[3])]
    assert len(cited) >= 150
    missing = [f"{path}::{name}" for path, name in cited
               if not (ROOT / path).is_file() or name not in defined_tests(path)]
    assert missing == []


@pytest.mark.parametrize("spec", SPECS)
def test_every_spec_of_the_brief_has_rows(spec: str) -> None:
    assert any(re.match(rf"{spec} §", cells[0]) for cells in table_rows()), spec


def test_every_rfc_named_lifecycle_test_is_cited() -> None:
    cited = {(path, name) for cells in table_rows() for path, name in REF.findall(cells[3])}
    uncited = []
    for file in LIFECYCLE:
        path = f"tests/{file}"
        found = defined_tests(path)
        assert found, path
        uncited += [f"{path}::{n}" for n in sorted(found)
                    if n.startswith("test_rfc") and (path, n) not in cited]
    assert uncited == []


def test_the_deviation_lists_are_there() -> None:
    text = DOC.read_text(encoding="utf-8")
    for heading in ("## Known deviations", "## Not covered here"):
        section = text.split(heading, 1)[1].split("\n## ", 1)[0]
        assert section.count("\n- ") >= 5, heading
    for must_mention in ("DPoP", "TLS", "RFC 9700 §2.4"):
        assert must_mention in text
