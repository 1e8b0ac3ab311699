"""States are enums: no module compares a `state` against a string literal, except the module
that defines the enum holding that value (fedi issue 10). `X.state == "pending"` elsewhere
would keep working after a rename of the member's value, silently matching nothing."""

from __future__ import annotations

import ast
from pathlib import Path

import fedi

ROOT = Path(fedi.__file__).parent


def _enum_values(tree: ast.Module) -> set[str]:
    """The string values of the StrEnum members a module defines."""
    values: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(
            isinstance(base, ast.Name) and base.id == "StrEnum" for base in node.bases
        ):
            for item in node.body:
                value = item.value if isinstance(item, ast.Assign) else None
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    values.add(value.value)
    return values


def _is_state(node: ast.expr) -> bool:
    """`row.state`, `Model.state`, or `col(Model.state)`."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "col":
        return len(node.args) == 1 and _is_state(node.args[0])
    return isinstance(node, ast.Attribute) and node.attr == "state"


def _literals(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [v for element in node.elts for v in _literals(element)]
    return []


def violations(source: str, name: str) -> list[str]:
    """Each comparison of a state against a string literal the module does not define."""
    tree = ast.parse(source, name)
    own = _enum_values(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        compared: list[ast.expr] = []
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_is_state(side) for side in sides):
                compared = sides
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("in_", "not_in")
            and _is_state(node.func.value)
        ):
            compared = list(node.args)
        for side in compared:
            for literal in _literals(side):
                if literal not in own:
                    found.append((node.lineno, f"{name}:{node.lineno}: state compared with {literal!r}"))
    return [message for _, message in sorted(found, key=lambda pair: pair[0])]


def test_the_check_finds_state_literals() -> None:
    planted = """
from enum import StrEnum

class Mine(StrEnum):
    OPEN = "open"

def f(item, Delivery, col):
    a = item.state == "pending"
    b = item.state not in ("queued", "running")
    c = col(Delivery.state) != "pending"
    d = col(Delivery.state).in_(["gone"])
    e = item.state == "open"
    f = item.state == Mine.OPEN
    g = item.kind == "image"
"""
    found = violations(planted, "planted.py")
    assert [line.split(": ", 1)[1] for line in found] == [
        "state compared with 'pending'",
        "state compared with 'queued'",
        "state compared with 'running'",
        "state compared with 'pending'",
        "state compared with 'gone'",
    ]


def test_no_state_is_compared_with_a_string_literal() -> None:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        found += violations(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT.parent)))
    assert found == []
