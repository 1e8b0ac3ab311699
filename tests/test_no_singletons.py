"""No module-level mutable singletons in fedi: the runtime, the GPU engine, the password hasher
and locks are built by the composition root (fedi.composition) and handed in, so two runtimes can
live in one process and tests pass fakes instead of patching globals.

The check reads every module of fedi/ (AST, not import): it flags a module-level assignment whose
value is a call to one of SINGLETON_MAKERS (at the top of a module, or under a module-level `if`
or `try`), and any `global` statement. ALLOWED names the few process-wide ones on purpose.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

FEDI = Path(__file__).resolve().parent.parent / "fedi"

SINGLETON_MAKERS = frozenset(
    {
        "Lock",
        "RLock",
        "Condition",
        "Semaphore",
        "BoundedSemaphore",
        "Event",
        "PasswordHasher",
        "Passwords",
        "GenerationEngine",
        "GpuEngine",
        "Runtime",
        "build_runtime",
        "WeakKeyDictionary",
        "WeakValueDictionary",
    }
)

# (module path relative to fedi/, name): why it is one per process.
ALLOWED: dict[tuple[str, str], str] = {
    # Snowflake ids: one clock per process, so ids minted in it (by any runtime) strictly increase,
    # and the node claimed at start belongs to the process (fedi.store.id_nodes).
    ("ids.py", "_lock"): "the process's id clock",
    ("ids.py", "global _node"): "the process's id node",
    ("ids.py", "global _last_ms, _sequence"): "the process's id clock",
}


def _called_name(value: ast.expr | None) -> str | None:
    if not isinstance(value, ast.Call):
        return None
    func = value.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for statement in body:
        yield statement
        if isinstance(statement, ast.If):
            yield from _module_level(statement.body)
            yield from _module_level(statement.orelse)
        elif isinstance(statement, ast.Try):
            yield from _module_level(statement.body)
            for handler in statement.handlers:
                yield from _module_level(handler.body)
            yield from _module_level(statement.orelse)
            yield from _module_level(statement.finalbody)


def offenders(source: str) -> list[tuple[str, int]]:
    """(what, line) for each module-level singleton and `global` statement in `source`."""
    tree = ast.parse(source)
    found: list[tuple[str, int]] = []
    for statement in _module_level(tree.body):
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign):
            targets, value = [statement.target], statement.value
        if _called_name(value) in SINGLETON_MAKERS:
            for target in targets:
                found.append((ast.unparse(target), statement.lineno))
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            found.append((f"global {', '.join(node.names)}", node.lineno))
    return found


def scan(root: Path) -> list[str]:
    problems = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        for what, line in offenders(path.read_text(encoding="utf-8")):
            if (relative, what) not in ALLOWED:
                problems.append(f"{relative}:{line}: {what}")
    return problems


def test_fedi_has_no_module_level_singletons() -> None:
    problems = scan(FEDI)
    assert not problems, (
        "module-level mutable singletons (build them in fedi.composition and hand them in):\n"
        + "\n".join(problems)
    )


def test_the_check_finds_planted_singletons(tmp_path: Path) -> None:
    (tmp_path / "planted.py").write_text(
        "import threading\n"
        "from argon2 import PasswordHasher\n"
        "_lock = threading.Lock()\n"
        "_hasher: PasswordHasher = PasswordHasher()\n"
        "try:\n"
        "    _engine = GenerationEngine([])\n"
        "except ImportError:\n"
        "    pass\n"
        "_count = 0\n"
        "def bump() -> None:\n"
        "    global _count\n"
        "    _count += 1\n"
        "def fine() -> None:\n"
        "    lock = threading.Lock()\n"
    )
    assert scan(tmp_path) == [
        "planted.py:3: _lock",
        "planted.py:4: _hasher",
        "planted.py:6: _engine",
        "planted.py:11: global _count",
    ]


def test_the_allowed_ones_are_still_there() -> None:
    """An entry of ALLOWED that no longer matches anything is dropped, not left to excuse a new one."""
    present = {
        (path.relative_to(FEDI).as_posix(), what)
        for path in FEDI.rglob("*.py")
        for what, _ in offenders(path.read_text(encoding="utf-8"))
    }
    assert set(ALLOWED) <= present
