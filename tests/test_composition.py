"""The composition root: each runtime it builds runs its jobs with itself, not with the last one
built (there is no process-wide "current" runtime)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fedi.composition import build_runtime
from fedi.config import load_settings
from fedi.jobs.registry import JOBS, JobSpec
from fedi.runtime import Runtime


def test_two_runtimes_in_one_process_each_run_their_own_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, int]] = []

    def probe(rt: Runtime, number: int) -> None:
        seen.append((rt.settings.instance.domain, number))

    monkeypatch.setitem(JOBS, "probe", JobSpec(probe, retries=0, retry_delay=0, backoff=0.0, queue="main"))
    first = build_runtime(
        load_settings(data_dir=tmp_path / "a", instance={"domain": "a.test"}), immediate_jobs=True
    )
    second = build_runtime(
        load_settings(data_dir=tmp_path / "b", instance={"domain": "b.test"}), immediate_jobs=True
    )
    try:
        first.jobs.enqueue("probe", 1)
        second.jobs.enqueue("probe", 2)
        first.jobs.enqueue("probe", 3)
    finally:
        first.close()
        second.close()
    assert seen == [("a.test", 1), ("b.test", 2), ("a.test", 3)]
