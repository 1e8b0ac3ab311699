"""Whether generation is ready, and why not: one answer in the API, /imagine, the bot and doctor.

"A default instance" here is the configuration `scripts/serve` starts with: the default preset,
no weights downloaded, jobs in SQLite (not inline), no GPU worker running.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from activitypub.testing import FakeRemote
from fedi.composition import build_runtime
from fedi.config import Settings
from fedi.doctor import run_checks
from fedi.jobs import heartbeat
from fedi.jobs.heartbeat import LoadFailure, WorkerBeat, WorkerState
from fedi.jobs.queue import JobQueue
from fedi.models.generations import BotReply, Generation
from fedi.models.media import MediaAttachment
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services import statuses
from fedi.services.accounts import create_local_account
from fedi.services.readiness import NOT_SET_UP, NotReadyReason, check
from fedi.services.system import ensure_system_accounts
from generation.presets import DEFAULT_PRESET
from tests.api.conftest import issue_token
from tests.conftest import make_test_settings


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_test_settings(
        tmp_path / "data",
        database_url,
        generation={"preset": DEFAULT_PRESET, "cache_dir": str(tmp_path / "models")},
    )


@pytest.fixture
def runtime(settings: Settings, remote: FakeRemote) -> Iterator[Runtime]:
    runtime = build_runtime(settings, immediate_jobs=False, transport=remote.transport())
    ensure_system_accounts(runtime)
    yield runtime
    runtime.close()


def _configured(settings: Settings, **generation: object) -> Settings:
    return settings.model_copy(update={"generation": settings.generation.model_copy(update=generation)})


def _beat(
    jobs: JobQueue, state: WorkerState, failure: LoadFailure | None = None, *, at: float | None = None
) -> None:
    beat = WorkerBeat("gpu-host:42", state, "tiny", time.time() if at is None else at, failure, "it said why")
    heartbeat.record(jobs.gpu, beat, now=beat.at)


def test_each_reason_in_the_order_an_operator_fixes_them(settings: Settings, runtime: Runtime) -> None:
    jobs = runtime.jobs
    assert check(_configured(settings, enabled=False), jobs).reason is NotReadyReason.DISABLED
    licence = check(_configured(settings, preset="sd-turbo"), jobs)
    assert licence.reason is NotReadyReason.LICENCE_NOT_ACCEPTED
    assert "Non-Commercial" in licence.detail and "--accept-licence sd-turbo" in licence.fix
    weights = check(settings, jobs)
    assert weights.reason is NotReadyReason.WEIGHTS_MISSING and "16 GB" in weights.detail
    assert f"fedi setup --preset {DEFAULT_PRESET}" in weights.fix
    tiny = _configured(settings, preset="tiny")
    assert check(tiny, jobs).reason is NotReadyReason.NO_WORKER
    remote = check(_configured(settings, worker="remote"), jobs)  # weights live on the GPU hosts
    assert remote.reason is NotReadyReason.NO_WORKER and "fedi gpu-worker" in remote.detail

    _beat(jobs, WorkerState.STARTING)
    assert check(tiny, jobs).ready  # requests wait in the queue while the model loads
    _beat(jobs, WorkerState.FAILED, LoadFailure.WEIGHTS)
    failed = check(tiny, jobs)
    assert failed.reason is NotReadyReason.WEIGHTS_MISSING and "it said why" in failed.detail
    _beat(jobs, WorkerState.READY)
    assert check(tiny, jobs).ready and check(tiny, jobs).message == ""
    assert check(tiny, jobs, now=time.time() + heartbeat.FRESH_S + 1).reason is NotReadyReason.NO_WORKER

    jobs.enqueue("generate_image", 1, {}, "account:1")
    full = check(_configured(tiny, max_queued=1), jobs)
    assert full.reason is NotReadyReason.QUEUE_FULL and "try again in a few minutes" in full.message


async def test_imagine_in_a_status_is_refused_with_the_reason_and_nothing_is_queued(
    runtime: Runtime, local_account: object, client: httpx.AsyncClient
) -> None:
    auth = {"Authorization": f"Bearer {issue_token(runtime, local_account)}"}  # type: ignore[arg-type]
    answer = await client.post(
        "/api/v1/statuses", headers=auth, data={"status": "/imagine a red fox in fresh snow, watercolor"}
    )
    assert answer.status_code == 422
    assert answer.json() == {"error": NOT_SET_UP, "field": "generation", "reason": "weights_missing"}
    with runtime.db.reader() as session:
        assert session.exec(select(Generation)).all() == []
        assert session.exec(select(MediaAttachment)).all() == []
        assert session.exec(select(Status).where(Status.account_id == local_account.id)).all() == []  # type: ignore[attr-defined]
    assert runtime.jobs.pending("gpu") == 0 and runtime.jobs.pending("main") == 0
    plain = await client.post("/api/v1/statuses", headers=auth, data={"status": "no image today"})
    assert plain.status_code == 200  # posting without an image is unaffected


async def test_the_instance_tells_clients_whether_generation_is_ready(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    for path in ("/api/v2/instance", "/api/v1/instance"):
        assert (await client.get(path)).json()["fedi"] == {
            "generation": {
                "ready": False,
                "reason": "weights_missing",
                "message": NOT_SET_UP,
                "preset": DEFAULT_PRESET,
            }
        }
    runtime.settings.generation.preset = "tiny"
    _beat(runtime.jobs, WorkerState.READY)
    ready = (await client.get("/api/v2/instance")).json()["fedi"]["generation"]
    assert ready == {"ready": True, "reason": None, "message": None, "preset": "tiny"}


def test_doctor_gives_the_same_answer(settings: Settings, runtime: Runtime) -> None:
    lines: list[str] = []
    run_checks(settings, echo=lines.append)
    [line] = [line for line in lines if "generation ready" in line]
    assert line == f"[warn] generation ready: no (weights_missing): {check(settings, runtime.jobs).detail}"
    tiny = _configured(settings, preset="tiny")
    _beat(runtime.jobs, WorkerState.READY)
    lines.clear()
    run_checks(tiny, echo=lines.append)
    assert "[ok  ] generation ready: yes: tiny takes requests" in lines


def test_the_bot_answers_each_asker_once_a_day_while_not_ready(
    runtime: Runtime, local_account: object
) -> None:
    with runtime.db.session() as session:
        bob = create_local_account(
            session,
            runtime.urls,
            username="bob",
            email="bob@example.org",
            password="x" * 12,
            passwords=runtime.passwords,
        )
    asks = [
        (local_account, "@imagine a lighthouse"),
        (local_account, "@imagine please?"),
        (bob, "@imagine a boat"),
    ]
    for author, text in asks:
        with runtime.db.session() as session:
            statuses.create(session, runtime, author, statuses.StatusDraft(text=text))  # type: ignore[arg-type]
    with runtime.db.reader() as session:
        replies = session.exec(select(Status).where(Status.in_reply_to_id.is_not(None))).all()  # type: ignore[union-attr]
        assert (
            session.exec(select(Generation)).all() == [] and session.exec(select(MediaAttachment)).all() == []
        )
    # Each reply mentions its asker (and no one else).
    assert sorted(re.findall(r'href="https://fedi.test/@(\w+)"', r.content) for r in replies) == [
        ["alice"],
        ["bob"],
    ]
    assert all(NOT_SET_UP in r.text and "once a day" in r.text for r in replies)
    assert all(r.visibility == "direct" for r in replies)
    # A day later alice hears it again, once.
    with runtime.db.session() as session:
        for row in session.exec(select(BotReply)).all():
            row.created_at = datetime.now(UTC) - timedelta(days=1, minutes=1)
            session.add(row)
    for _ in range(2):
        with runtime.db.session() as session:
            statuses.create(session, runtime, local_account, statuses.StatusDraft(text="@imagine again"))  # type: ignore[arg-type]
    with runtime.db.reader() as session:
        assert len(session.exec(select(Status).where(Status.in_reply_to_id.is_not(None))).all()) == 3  # type: ignore[union-attr]


def test_a_dead_embedded_worker_is_not_taken_for_a_ready_one(settings: Settings, runtime: Runtime) -> None:
    tiny = _configured(settings, preset="tiny")
    started, exited = heartbeat.supervised(runtime.jobs.gpu, "tiny")
    started(4242)  # fedi serve spawned the worker: requests may queue while it loads
    assert check(tiny, runtime.jobs).ready
    heartbeat.record(
        runtime.jobs.gpu, WorkerBeat(heartbeat.worker_id(4242), WorkerState.READY, "tiny", time.time())
    )
    exited(4242, -9)  # it died: its last "ready" is overwritten at once, not after 20 s
    dead = check(tiny, runtime.jobs)
    assert dead.reason is NotReadyReason.MODEL_FAILED and "exited with code -9" in dead.detail


def test_offload_is_chosen_only_for_a_gpu_smaller_than_the_preset() -> None:
    from generation.device import choose_device, needs_offload

    assert not needs_offload(choose_device("cpu"), 18.0)  # CPU memory is the system's
