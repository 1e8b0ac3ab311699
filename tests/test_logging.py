"""Logs: readable or JSON, and never the local variables of a traceback (they hold secrets)."""

from __future__ import annotations

import json
import logging

import pytest

from fedi.config import LogSettings
from fedi.observability.logging import configure_logging


def _fail_with_a_secret() -> None:
    access_token = "s3cr3t-t0ken-value"  # noqa: F841 - a local that must not reach the log
    raise RuntimeError("boom")


@pytest.mark.parametrize("format", ["console", "json"])
def test_tracebacks_never_show_local_variables(format: str, capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_logging(LogSettings(level="info", format=format))  # type: ignore[arg-type]
        try:
            _fail_with_a_secret()
        except RuntimeError:
            logging.getLogger("fedi.test").exception("request failed")
        output = capsys.readouterr().err
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
    assert "request failed" in output and "RuntimeError: boom" in output
    assert "s3cr3t" not in output
    if format == "json":
        record = json.loads(output.strip().splitlines()[-1])
        assert record["event"] == "request failed" and "exception" in record
