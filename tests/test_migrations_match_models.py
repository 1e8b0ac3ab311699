"""The migrations build exactly the tables the models describe (types included): a model
change without its migration, or a column type that drifts (e.g. a state column), shows here."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

import fedi.models  # noqa: F401  (registers every table)
from fedi.models.base import metadata


def test_autogenerate_finds_nothing_to_migrate(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()
