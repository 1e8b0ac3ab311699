"""The statements `fedi db copy` runs: reading a table in batches, writing rows with their own
ids, counting, per-table checksums, and PostgreSQL sequences.

Rows are read and written through the tables' own column types, so both sides see the same
Python values (aware UTC datetimes, decoded JSON); the checksum is computed over those values.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, Connection, Table, bindparam, func, inspect, select, text, update

BATCH = 1000
_MODULUS = 2**256


def self_references(table: Table) -> list[str]:
    """Columns that point at the same table (a reply's parent): written after every row exists."""
    return sorted(fk.parent.name for fk in table.foreign_keys if fk.column.table is table)


def read_batches(connection: Connection, table: Table) -> Iterator[list[dict[str, Any]]]:
    """Every row of a table, in batches, in primary-key order."""
    result = connection.execution_options(stream_results=True, yield_per=BATCH).execute(
        select(table).order_by(*table.primary_key.columns)
    )
    for partition in result.mappings().partitions(BATCH):
        yield [dict(row) for row in partition]


def write(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows as they are, ids included; self-references are left for `link`."""
    if not rows:
        return
    deferred = self_references(table)
    if deferred:
        rows = [{**row, **dict.fromkeys(deferred)} for row in rows]
    connection.execute(table.insert(), rows)


def link(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Fill in the self-references `write` left empty, now that every row they point at exists."""
    deferred = self_references(table)
    keys = [column.name for column in table.primary_key.columns]
    changes = [row for row in rows if any(row[name] is not None for name in deferred)]
    if not deferred or not changes:
        return
    statement = update(table).where(*(table.c[key] == _bound(key) for key in keys))
    statement = statement.values({name: _bound(name) for name in deferred})
    connection.execute(
        statement,
        [
            {f"b_{key}": row[key] for key in keys} | {f"b_{name}": row[name] for name in deferred}
            for row in changes
        ],
    )


def _bound(name: str) -> BindParameter[Any]:
    return bindparam(f"b_{name}")


def count(connection: Connection, table: Table) -> int:
    return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


@dataclass
class Checksum:
    """An order-independent digest of a table's rows (SQLite and PostgreSQL sort text differently)."""

    rows: int = 0
    _total: int = 0

    def add(self, row: dict[str, Any]) -> None:
        encoded = json.dumps(row, sort_keys=True, default=_plain, separators=(",", ":")).encode()
        self._total = (self._total + int.from_bytes(hashlib.sha256(encoded).digest(), "big")) % _MODULUS
        self.rows += 1

    @property
    def hexdigest(self) -> str:
        return f"{self._total:064x}"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def checksum(connection: Connection, table: Table) -> Checksum:
    digest = Checksum()
    for batch in read_batches(connection, table):
        for row in batch:
            digest.add(row)
    return digest


def table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def revision(connection: Connection) -> str | None:
    """The migration the database is at (alembic's version table), or None before any."""
    if "alembic_version" not in table_names(connection):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


def catch_up_sequences(connection: Connection, table: Table) -> None:
    """PostgreSQL: move any sequence behind a copied column past the copied values."""
    for column in table.primary_key.columns:
        sequence = connection.execute(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": column.name},
        ).scalar_one_or_none()
        if sequence is not None:
            connection.execute(
                text(
                    f'SELECT setval(:sequence, COALESCE((SELECT MAX("{column.name}") FROM "{table.name}"), 0) + 1, false)'
                ),
                {"sequence": sequence},
            )
