"""`fedi db copy --to postgresql://…`: a stopped SQLite instance into an empty, migrated PostgreSQL.

Tables are copied in dependency order (parents before the rows that point at them), ids and
keys unchanged, in one transaction on the destination: it shows nothing until everything is in.
The source must be stopped: rows written to it during the copy may be missed. Each table's row count and checksum are
printed, then counted and summed again on the destination; any difference fails the copy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Connection, Engine, Table

import fedi.models  # noqa: F401  (registers every table on the metadata)
from fedi.db import pending_migrations
from fedi.models.base import metadata
from fedi.store import copying


class CopyError(Exception):
    """Why the copy cannot start or did not verify, in one line."""


@dataclass(frozen=True)
class TableReport:
    name: str
    rows: int
    checksum: str
    verified: bool


def copy_database(
    source: Engine, destination: Engine, *, console: Callable[[str], None], progress: bool = True
) -> list[TableReport]:
    """Copy every table; returns what was copied and whether the destination matches."""
    if source.dialect.name != "sqlite":
        raise CopyError("the configured database is not SQLite: `fedi db copy` moves SQLite to PostgreSQL")
    if destination.dialect.name != "postgresql":
        raise CopyError("--to must be a postgresql:// URL")
    _check_ready(source, destination)
    tables = list(metadata.sorted_tables)
    copied: dict[str, copying.Checksum] = {}
    with source.connect() as reading, destination.begin() as writing, _bar(progress) as bar:
        for table in tables:
            total = copying.count(reading, table)
            task = bar.add_task(table.name, total=total)
            copied[table.name] = _copy_table(reading, writing, table, partial(bar.advance, task))
            copying.catch_up_sequences(writing, table)
    reports = []
    with destination.connect() as connection:
        for table in tables:
            found = copying.checksum(connection, table)
            ours = copied[table.name]
            reports.append(
                TableReport(
                    table.name,
                    ours.rows,
                    ours.hexdigest,
                    found.rows == ours.rows and found.hexdigest == ours.hexdigest,
                )
            )
    for report in reports:
        mark = "ok" if report.verified else "MISMATCH"
        console(f"{report.name:24s} {report.rows:>9,d} rows  sha256-sum {report.checksum[:16]}  {mark}")
    return reports


def _copy_table(
    reading: Connection, writing: Connection, table: Table, advance: Callable[[int], None]
) -> copying.Checksum:
    digest = copying.Checksum()
    linked: list[dict[str, object]] = []
    for batch in copying.read_batches(reading, table):
        copying.write(writing, table, batch)
        for row in batch:
            digest.add(row)
        if copying.self_references(table):
            linked.extend(batch)
        advance(len(batch))
    copying.link(writing, table, linked)
    return digest


def _check_ready(source: Engine, destination: Engine) -> None:
    if pending_migrations(source):
        raise CopyError("the SQLite database has pending migrations: run `fedi migrate` first")
    with source.connect() as connection:
        head = copying.revision(connection)
    with destination.connect() as connection:
        if copying.revision(connection) != head:
            raise CopyError(
                "the PostgreSQL database is not migrated to the same version: run `fedi migrate` "
                "with database.url set to it first (or let `fedi db copy` migrate an empty one)"
            )
        for table in metadata.sorted_tables:
            if copying.count(connection, table):
                raise CopyError(f"the PostgreSQL database is not empty (table {table.name} has rows)")


def _bar(enabled: bool) -> Progress:
    return Progress(
        TextColumn("{task.description:24s}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not enabled,
    )
