"""Health of the parts a request needs: the database (and its migrations) and the job engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from fedi.db import pending_migrations
from fedi.runtime import Runtime


@dataclass
class HealthReport:
    ok: bool = True
    parts: dict[str, dict[str, Any]] = field(default_factory=dict)


def check(runtime: Runtime) -> HealthReport:
    report = HealthReport()
    settings = runtime.settings
    database: dict[str, Any] = {"backend": "sqlite" if settings.is_sqlite else "postgresql"}
    try:
        with runtime.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        pending = pending_migrations(runtime.db.engine)
        database.update(ok=not pending, pending_migrations=len(pending))
    except Exception as exc:
        database.update(ok=False, error=type(exc).__name__)
    jobs: dict[str, Any] = {"backend": settings.jobs.backend, "embedded": settings.jobs.embedded}
    try:
        jobs.update(ok=True, pending=runtime.jobs.pending())
    except Exception as exc:
        jobs.update(ok=False, error=type(exc).__name__)
    report.parts = {"database": database, "jobs": jobs}
    report.ok = bool(database["ok"] and jobs["ok"])
    return report
