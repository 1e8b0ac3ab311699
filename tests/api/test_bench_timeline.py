"""bench/timeline.py (B5) runs at CI size and reports its ratios on both databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import _postgres_problem

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def test_the_timeline_benchmark_runs_in_quick_mode() -> None:
    databases = "sqlite" if _postgres_problem() else "both"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEDI_") or k == "FEDI_TEST_POSTGRES"}
    done = subprocess.run(
        [sys.executable, "bench/timeline.py", "--quick", "--db", databases],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    report = json.loads(done.stdout.splitlines()[0])
    assert {r["db"] for r in report["results"]} == (
        {"sqlite"} if databases == "sqlite" else {"sqlite", "postgres"}
    )
    for result in report["results"]:
        assert result["endpoint_p99_ms"] > 0 and result["bare_p99_ms"] > 0
        assert result["endpoint_over_bare_p99"] > 0
    assert set(report["p99_growth_largest_over_smallest"]) == {r["db"] for r in report["results"]}
    assert "x the bare query" in done.stdout and "(bar <= 1.5)" in done.stdout
