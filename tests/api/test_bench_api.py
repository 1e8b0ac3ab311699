"""bench/api.py (B7) runs at CI size and reports CPU per request against its no-op endpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def test_the_api_benchmark_runs_in_quick_mode() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEDI_")}
    done = subprocess.run(
        [sys.executable, "-m", "bench.api", "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    report = json.loads(done.stdout.splitlines()[0])
    paths = {"noop", "home", "public", "context", "notifications", "post"}
    assert set(report["cpu_ms_per_request"]) == paths
    assert report["bar"]["every_answer_200"], report["statuses"]
    for path in paths - {"noop"}:
        # Every real path costs more than doing nothing through the same stack.
        assert report["cpu_over_noop"][path] > 1, report["cpu_over_noop"]
        assert report["per_s"][path]["median"] > 0
    assert "x no-op" in done.stdout
