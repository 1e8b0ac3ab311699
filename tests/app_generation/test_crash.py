"""A generation queued when `fedi serve` is killed (SIGKILL) is made after the restart, and its
post is published exactly once."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from fedi.composition import build_runtime
from fedi.config import load_settings
from fedi.models.generations import Generation
from fedi.models.statuses import Status
from fedi.services.accounts import create_local_account
from fedi.services.system import ensure_system_accounts
from tests.api.conftest import issue_token
from tests.conftest import MODEL_CACHE
from tests.support.processes import Server, free_port, wait_for, write_config

pytestmark = pytest.mark.slow


def test_a_generation_survives_sigkill_and_publishes_once(tmp_path: Path, database_url: str) -> None:
    port = free_port()
    config = write_config(
        tmp_path,
        port,
        database_url,
        generation={"enabled": True, "preset": "tiny", "cache_dir": str(MODEL_CACHE)},
    )
    runtime = build_runtime(load_settings(config))
    ensure_system_accounts(runtime)
    with runtime.db.session() as session:
        alice = create_local_account(
            session,
            runtime.urls,
            username="alice",
            email="a@x.org",
            password="12345678",
            passwords=runtime.passwords,
        )
    headers = {"Authorization": f"Bearer {issue_token(runtime, alice)}"}

    def rows() -> tuple[list[Status], list[Generation]]:
        with runtime.db.reader() as session:
            return list(session.exec(select(Status)).all()), list(session.exec(select(Generation)).all())

    server = Server(config, port).start()
    try:
        posted = httpx.post(
            f"{server.url}/api/v1/statuses",
            json={"status": "/imagine a snail on a leaf"},
            headers=headers,
            timeout=30,
        )
        assert posted.status_code == 200, posted.text
        # Killed while the generation is queued (or already on the worker, which dies with us).
        [generation] = rows()[1]
        assert generation.state in ("queued", "running")
        server.kill()
        server = Server(config, port).start()

        def published() -> bool:
            statuses, generations = rows()
            return [s.state for s in statuses] == ["published"] and [g.state for g in generations] == ["done"]

        assert wait_for(published, timeout=120), rows()
    finally:
        server.stop()
    statuses, generations = rows()
    runtime.close()
    assert len(statuses) == 1  # one post, published once
    assert len(generations) == 1 and generations[0].attempts <= 2
    assert "Generated with" in statuses[0].content
