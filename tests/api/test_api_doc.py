"""docs/API.md has a row for every route fedi serves under /api/ (issue 12, "Must show" 5)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.routing import Route, WebSocketRoute

from fedi.api.routes import routes
from fedi.config import Settings
from tests.conftest import make_test_settings

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "API.md"
# `GET /api/v1/accounts/:id` in backticks; a query (`?id[]=`) is not part of the path.
DOCUMENTED = re.compile(r"`(GET|POST|PUT|PATCH|DELETE|WS) (/api/[^`?\s]*)[^`]*`")


def _pattern(path: str) -> re.Pattern[str]:
    """A route path as a regex over documented paths: `{id}` matches `:id` (or `avatar`), and
    `{stream:path}` any rest."""
    parts = re.split(r"(\{[^}]+\})", path.rstrip("/"))
    regex = "".join(
        (".+" if part.endswith(":path}") else "[^/]+") if part.startswith("{") else re.escape(part)
        for part in parts
    )
    return re.compile(regex + "$")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Routes need no database: no run on each backend."""
    return make_test_settings(tmp_path / "data", f"sqlite:///{tmp_path / 'fedi.db'}")


def served(settings: Settings) -> set[tuple[str, str]]:
    found = set()
    for route in routes(settings):
        if isinstance(route, WebSocketRoute) and route.path.startswith("/api/"):
            found.add(("WS", route.path))
        elif isinstance(route, Route) and route.path.startswith("/api/"):
            found |= {(method, route.path) for method in route.methods or {"GET"} if method != "HEAD"}
    return found


def test_every_api_route_has_a_row(settings: Settings) -> None:
    documented = {(method, path.rstrip("/")) for method, path in DOCUMENTED.findall(API_DOC.read_text())}
    routes_here = served(settings)
    assert len(routes_here) > 150  # the table is read, not skipped
    missing = sorted(
        f"{method} {path}"
        for method, path in routes_here
        if not any(m == method and _pattern(path).match(p) for m, p in documented)
    )
    assert missing == [], "routes without a row in docs/API.md"


def test_rows_marked_done_are_served(settings: Settings) -> None:
    """The other way round, for rows that claim `done`: nothing is claimed that is not routed."""
    routes_here = served(settings)
    done = re.findall(
        r"^\|[^|]*\| `(GET|POST|PUT|PATCH|DELETE|WS) (/api/[^`?\s]*)[^`]*` \| done", API_DOC.read_text(), re.M
    )
    assert len(done) > 100
    unrouted = sorted(
        f"{method} {path}"
        for method, path in done
        if not any(
            m == method and _pattern(route_path).match(path.rstrip("/")) for m, route_path in routes_here
        )
    )
    assert unrouted == []
