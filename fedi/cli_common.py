"""What every `fedi` command group shares: the --config choice, settings, errors, the runtime.

`fedi.cli` (the top-level command) and its command groups (`fedi.cli_moderation`,
`fedi.cli_emoji`) import this module; it imports none of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

from fedi.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from fedi.runtime import Runtime


class CliState:
    """The options given to `fedi` itself (set by its callback before any command runs)."""

    config_path: Path | None = None


STATE = CliState()


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"fedi: {message}", err=True)
    raise typer.Exit(code)


def load(**overrides: object) -> Settings:
    """The settings from the --config file (or the defaults), or exit saying what is wrong."""
    try:
        return load_settings(STATE.config_path, **overrides)
    except ConfigError as exc:
        fail(f"config error: {exc}")


def runtime_for_command() -> Runtime:
    """A runtime for a one-off command, refused while migrations are pending."""
    from fedi.composition import build_runtime
    from fedi.db import make_engine, pending_migrations

    settings = load()
    engine = make_engine(settings)
    try:
        if pending_migrations(engine):
            fail("the database has pending migrations: run `fedi migrate` first", code=1)
    finally:
        engine.dispose()
    return build_runtime(settings)
