"""No import cycles among the modules of fedi, activitypub and generation.

The graph is grimp's (the library import-linter is built on), so imports inside functions count:
a lazy import only postpones a cycle, it does not remove it. Imports under `if TYPE_CHECKING:` do
not count (`exclude_type_checking_imports=True`): they never run, and annotations may name a
higher layer (fedi.runtime names the services whose parts it holds).

A cycle is reported as its strongly connected component: every module in it, and the imports
among them, so the message says which edge to cut.
"""

from __future__ import annotations

import grimp

PACKAGES = ("fedi", "activitypub", "generation")


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = []
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        work.append((root, sorted(graph.find_modules_directly_imported_by(root))))
        while work:
            node, pending = work[-1]
            if pending:
                child = pending.pop()
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, sorted(graph.find_modules_directly_imported_by(child))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _describe(graph: grimp.ImportGraph, component: list[str]) -> str:
    members = set(component)
    lines = [f"{len(component)} modules import each other:"]
    for module in component:
        inside = sorted(members & graph.find_modules_directly_imported_by(module))
        lines.append(f"  {module} -> {', '.join(inside)}")
    return "\n".join(lines)


def test_the_tarjan_search_finds_a_cycle_through_a_lazy_import() -> None:
    graph = grimp.ImportGraph()
    for module in ("a", "a.low", "a.high", "a.leaf"):
        graph.add_module(module)
    graph.add_import(importer="a.high", imported="a.low", line_number=1, line_contents="import a.low")
    graph.add_import(importer="a.low", imported="a.high", line_number=9, line_contents="    import a.high")
    graph.add_import(importer="a.high", imported="a.leaf", line_number=2, line_contents="import a.leaf")
    assert _cycles(graph) == [["a.high", "a.low"]]


def test_no_module_is_part_of_an_import_cycle() -> None:
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)
    cycles = _cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(_describe(graph, c) for c in cycles)
