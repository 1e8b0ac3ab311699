"""Starlette's router, with fixed paths found in a dict: the client API has about 130 routes,
and trying each in turn cost a hot request (a home timeline sits far down the list) as much
as a no-op endpoint costs in all (bench/api.py).

A fixed path is looked up only when no route before it could match it too, so the route that
answers is always the one Starlette's walk would pick; anything else takes the walk.
"""

from __future__ import annotations

import re

from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match, Router
from starlette.types import Receive, Scope, Send


class IndexedRouter(Router):
    _index: dict[str, list[BaseRoute]] | None = None
    _indexed_count = -1

    def _fixed_paths(self) -> dict[str, list[BaseRoute]]:
        if self._index is None or self._indexed_count != len(self.routes):
            self._index = _index(self.routes)
            self._indexed_count = len(self.routes)
        return self._index

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for route in self._fixed_paths().get(get_route_path(scope), ()):
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    scope.setdefault("router", self)
                    scope["route"] = route
                    scope.update(child_scope)
                    await route.handle(scope, receive, send)
                    return
        await super().app(scope, receive, send)


def _index(routes: list[BaseRoute]) -> dict[str, list[BaseRoute]]:
    index: dict[str, list[BaseRoute]] = {}
    earlier: list[tuple[str, re.Pattern[str]]] = []
    for route in routes:
        regex = getattr(route, "path_regex", None)
        path = getattr(route, "path", None)
        if regex is None or path is None:
            return {}  # a route we cannot reason about: walk every time
        fixed = "{" not in path and not hasattr(route, "routes")  # no parameters, not a Mount
        if fixed and not any(pattern.match(path) for other, pattern in earlier if other != path):
            index.setdefault(path, []).append(route)
        earlier.append((path, regex))
    return index
