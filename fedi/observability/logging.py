"""structlog over the standard library, so uvicorn's, huey's and httpx's records come out alike."""

from __future__ import annotations

import logging
import sys

import structlog

from fedi.config import LogSettings


def configure_logging(settings: LogSettings) -> None:
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if settings.format == "json"
        # Plain tracebacks: rich's default shows local variables, which hold tokens and keys.
        else structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
        )
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *([structlog.processors.format_exc_info] if settings.format == "json" else []),
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.level.upper())
    # Per-request access lines and per-poll queue chatter drown what operators need.
    for noisy, level in (("httpx", "WARNING"), ("httpcore", "WARNING"), ("huey", "WARNING")):
        logging.getLogger(noisy).setLevel(level)
    logging.getLogger("alembic.runtime.migration").addFilter(_only_migration_steps)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "alembic"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


def _only_migration_steps(record: logging.LogRecord) -> bool:
    """Keep alembic's "Running upgrade a -> b" progress lines, drop its set-up chatter."""
    return record.getMessage().startswith("Running ")
