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


def test_every_typed_job_method_matches_the_body_it_queues() -> None:
    import inspect

    import fedi.jobs.tasks  # noqa: F401  (declares every job)
    from fedi.jobs.typed import Jobs

    methods = [name for name, _ in inspect.getmembers(Jobs, inspect.isfunction) if not name.startswith("_")]
    assert methods
    for name in methods:
        assert name in JOBS, f"Jobs.{name} queues a job nobody declared"
        body = list(inspect.signature(JOBS[name].fn).parameters.values())[1:]  # less the runtime
        method = list(inspect.signature(getattr(Jobs, name)).parameters.values())[1:]  # less self
        assert method == body, f"Jobs.{name} takes {method}, the job takes {body}"


def test_a_typed_send_runs_the_job_with_its_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, int]] = []

    def purge(rt: Runtime, domain: str) -> None:
        seen.append((rt.settings.instance.domain, len(domain)))

    monkeypatch.setitem(
        JOBS, "purge_domain", JobSpec(purge, retries=0, retry_delay=0, backoff=0.0, queue="main")
    )
    runtime = build_runtime(
        load_settings(data_dir=tmp_path, instance={"domain": "a.test"}), immediate_jobs=True
    )
    try:
        runtime.jobs.send().purge_domain("spam.example")
    finally:
        runtime.close()
    assert seen == [("a.test", 12)]
